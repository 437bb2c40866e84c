"""The pydantic v2 models OpenKAT's clients parse our answers with, written from their declarations.

Boefje runner: `boefjes/worker/job_models.py` and `worker/interfaces.py`. Rocky: `rocky/scheduler.py` and
`rocky/health.py`. Which fields are required and which may be null is as those clients declare it; unknown fields
are ignored, as the clients ignore them. One deliberate difference: a task's `data` model is chosen by the task's
`type` (the clients let pydantic's smart union guess), so a boefje task whose data is no BoefjeMeta fails here
instead of passing as something else. Models for answers no OpenKAT client reads are at the end, from DESIGN.md.
"""

import datetime
import uuid
from enum import Enum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

Item = TypeVar("Item")
NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]


class TaskStatus(Enum):
    PENDING = "pending"
    QUEUED = "queued"
    DISPATCHED = "dispatched"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReportTask(BaseModel):
    """A report task's `data` (both clients)."""

    organisation_id: str
    report_recipe_id: str


class TaskFields(BaseModel):
    """What both clients read from a task besides `type` and `data`."""

    id: uuid.UUID
    scheduler_id: str
    schedule_id: str | None
    organisation: str
    priority: int
    status: TaskStatus
    hash: str | None = None
    created_at: datetime.datetime
    modified_at: datetime.datetime


# --- The boefje runner ------------------------------------------------------------------------------------------


class RunnerBoefje(BaseModel):
    id: NonEmptyStr
    version: str | None = None
    oci_image: str | None = None


class Job(BaseModel):
    id: uuid.UUID
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None


class BoefjeMeta(Job):
    boefje: RunnerBoefje
    input_ooi: str | None = None
    arguments: dict = {}
    organization: str
    runnable_hash: str | None = None
    environment: dict[str, str] | None = None


class RawDataMeta(BaseModel):
    id: uuid.UUID
    boefje_meta: BoefjeMeta
    mime_types: list[dict[str, str]]


class RunnerNormalizer(BaseModel):
    id: NonEmptyStr
    version: str | None = None


class NormalizerMeta(Job):
    raw_data: RawDataMeta
    normalizer: RunnerNormalizer


class RunnerBoefjeTask(TaskFields):
    type: Literal["boefje"]
    data: BoefjeMeta


class RunnerNormalizerTask(TaskFields):
    type: Literal["normalizer"]
    data: NormalizerMeta


class RunnerReportTask(TaskFields):
    type: Literal["report"]
    data: ReportTask


# The `data` model is picked by the task's `type`.
RunnerTask = Annotated[RunnerBoefjeTask | RunnerNormalizerTask | RunnerReportTask, Field(discriminator="type")]


class RunnerTaskPop(BaseModel):
    results: list[RunnerTask]


class Queue(BaseModel):
    """A queue as both clients read it."""

    id: str
    size: int


# --- Rocky --------------------------------------------------------------------------------------------------------


class RockyBoefje(BaseModel):
    id: str
    name: str | None = None
    version: str | None = None


class BoefjeTask(BaseModel):
    id: uuid.UUID | None = None
    boefje: RockyBoefje
    input_ooi: str | None = None
    organization: str
    deduplication_key: uuid.UUID | None = None


class RockyBoefjeMeta(BaseModel):
    id: uuid.UUID
    boefje: RockyBoefje
    input_ooi: str | None = None
    arguments: dict[str, Any]
    organization: str
    started_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None


class RawData(BaseModel):
    id: uuid.UUID
    boefje_meta: RockyBoefjeMeta
    mime_types: list[dict[str, str]]
    secure_hash: str | None = None
    hash_retrieval_link: str | None = None


class RockyNormalizer(BaseModel):
    id: str | None = None
    name: str | None = None
    version: str | None = None


class NormalizerTask(BaseModel):
    id: uuid.UUID | None = None
    normalizer: RockyNormalizer
    raw_data: RawData


class RockyBoefjeTask(TaskFields):
    type: Literal["boefje"]
    data: BoefjeTask


class RockyNormalizerTask(TaskFields):
    type: Literal["normalizer"]
    data: NormalizerTask


class RockyReportTask(TaskFields):
    type: Literal["report"]
    data: ReportTask


RockyTask = Annotated[RockyBoefjeTask | RockyNormalizerTask | RockyReportTask, Field(discriminator="type")]


class Page(BaseModel, Generic[Item]):
    """Rocky's PaginatedTasksResponse and PaginatedSchedulesResponse differ only in their items."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: list[Item]


PaginatedTasksResponse = Page[RockyTask]


class RockyTaskPop(BaseModel):
    results: list[RockyTask]


class ScheduleResponse(BaseModel):
    id: uuid.UUID
    scheduler_id: str
    organisation: str
    hash: str
    data: dict
    enabled: bool
    schedule: str | None
    deadline_at: datetime.datetime | None
    created_at: datetime.datetime
    modified_at: datetime.datetime


PaginatedSchedulesResponse = Page[ScheduleResponse]


class ServiceHealth(BaseModel):
    service: str
    healthy: bool = False
    version: str | None = None
    additional: Any = None
    results: list["ServiceHealth"] = []


# Rocky adds the counts of several answers up per hour with collections.Counter: hour -> status -> count.
TaskStats = dict[str, dict[str, int]]


# --- Both clients' error handling, and answers no OpenKAT client reads (from DESIGN.md) ---------------------------


class ErrorAnswer(BaseModel):
    detail: str


class SchedulerOverview(BaseModel):
    id: str
    type: str
    item_type: str
    qsize: int
    last_activity: AwareDatetime | None


class ApiRoot(BaseModel):
    """DESIGN.md: the API prefix answers with links to its parts."""

    service: str
    links: dict[str, AnyHttpUrl]

    @field_validator("links")
    @classmethod
    def names_every_part(cls, links: dict[str, AnyHttpUrl]) -> dict[str, AnyHttpUrl]:
        missing = {"schema", "docs", "health", "schedulers", "tasks", "schedules"} - set(links)
        if missing:
            raise ValueError(f"no link to {sorted(missing)}")
        return links


class IngestOutcome(BaseModel):
    scheduled: list[uuid.UUID]
    skipped: list[dict[str, str]]
    cancelled: int


class IngestAnswer(BaseModel):
    results: list[IngestOutcome]
    scheduled: int


class PluginEnablementAnswer(BaseModel):
    """docs/architecture.md's answer to a plugin enablement event (no OpenKAT client reads it yet)."""

    model_config = ConfigDict(extra="forbid")

    organisation: str
    plugin_id: str
    enabled: bool
    changed: bool
    schedules_enabled: int
    schedules_disabled: int
    scheduled: int
    deferred: bool
