"""The shapes OpenKAT's boefje runner and Rocky parse, as pydantic models written from DESIGN.md.

Every response shape a client reads is validated here against a model that forbids unknown
fields where DESIGN.md fixes the field list (Task, pop result, pages, Schedule).
"""

import uuid
from typing import Any, Literal

import pytest
from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict

from rocky_scheduler.services import task_pop, task_push
from tests.factories import TaskFactory, boefje_data, normalizer_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

Status = Literal["pending", "queued", "dispatched", "running", "completed", "failed", "cancelled"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoefjeRef(BaseModel):
    id: str


class BoefjeTaskData(BaseModel):
    """What the boefje runner reads out of `data` to build its BoefjeMeta."""

    boefje: BoefjeRef
    input_ooi: str | None
    organization: str


class Task(Strict):
    id: uuid.UUID
    scheduler_id: str
    schedule_id: uuid.UUID | None
    organisation: str
    priority: int
    status: Status
    type: Literal["boefje", "normalizer", "report"]
    hash: str
    data: dict[str, Any]
    created_at: AwareDatetime
    modified_at: AwareDatetime


class PopResult(Strict):
    results: list[Task]


class TaskPage(Strict):
    count: int
    next: AnyHttpUrl | None
    previous: AnyHttpUrl | None
    results: list[Task]


class Schedule(Strict):
    id: uuid.UUID
    scheduler_id: str
    organisation: str
    hash: str
    data: dict[str, Any]
    enabled: bool
    schedule: str | None
    deadline_at: AwareDatetime | None
    created_at: AwareDatetime
    modified_at: AwareDatetime


class SchedulePage(Strict):
    count: int
    next: AnyHttpUrl | None
    previous: AnyHttpUrl | None
    results: list[Schedule]


class SchedulerOverview(BaseModel):
    id: str
    type: str
    item_type: str
    qsize: int
    last_activity: AwareDatetime | None


class Queue(Strict):
    id: str
    size: int


class Health(BaseModel):
    service: str
    healthy: bool
    version: str | None
    additional: Any
    results: list[Any]
    externals: dict[str, Any]


class Problem(Strict):
    detail: str
    field: str | None = None
    errors: Any = None


def test_push_and_pop_answers_match_the_runner_models(worker_api):
    pushed = worker_api.post(
        f"{PREFIX}/schedulers/boefje/push",
        {"organisation": "acme", "priority": 1, "data": boefje_data()},
        format="json",
    )
    task = Task.model_validate(pushed.json())
    popped = PopResult.model_validate(worker_api.post(f"{PREFIX}/schedulers/boefje/pop").json())
    assert [t.id for t in popped.results] == [task.id]
    BoefjeTaskData.model_validate(popped.results[0].data)
    PopResult.model_validate(worker_api.post(f"{PREFIX}/schedulers/boefje/pop").json())


def test_normalizer_task_shape(worker_api):
    task_push(scheduler_id="normalizer", organisation="acme", data=normalizer_data(), priority=2)
    popped = PopResult.model_validate(worker_api.post(f"{PREFIX}/schedulers/normalizer/pop").json())
    assert popped.results[0].type == "normalizer" and popped.results[0].schedule_id is None


def test_task_reads_and_patch_match(admin_api):
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2)
    TaskFactory.create_batch(12)
    page = TaskPage.model_validate(admin_api.get(f"{PREFIX}/tasks").json())
    assert page.next is not None
    TaskPage.model_validate(admin_api.post(f"{PREFIX}/tasks", {}, format="json").json())
    [dispatched] = task_pop(scheduler_id="boefje")
    Task.model_validate(admin_api.get(f"{PREFIX}/tasks/{dispatched.id}").json())
    Task.model_validate(admin_api.patch(f"{PREFIX}/tasks/{dispatched.id}", {"status": "running"}, format="json").json())


def test_schedule_answers_match(admin_api):
    body = {"scheduler_id": "boefje", "organisation": "acme", "data": boefje_data(), "schedule": "*/5 * * * *"}
    schedule = Schedule.model_validate(admin_api.post(f"{PREFIX}/schedules", body, format="json").json())
    SchedulePage.model_validate(admin_api.get(f"{PREFIX}/schedules").json())
    SchedulePage.model_validate(admin_api.post(f"{PREFIX}/schedules/search", {}, format="json").json())
    Schedule.model_validate(admin_api.get(f"{PREFIX}/schedules/{schedule.id}").json())


def test_scheduler_queue_health_and_error_answers_match(admin_api):
    for item in admin_api.get(f"{PREFIX}/schedulers").json():
        SchedulerOverview.model_validate(item)
    SchedulerOverview.model_validate(admin_api.get(f"{PREFIX}/schedulers/boefje").json())
    for item in admin_api.get(f"{PREFIX}/queues").json():
        Queue.model_validate(item)
    Health.model_validate(admin_api.get(f"{PREFIX}/health").json())
    Problem.model_validate(admin_api.get(f"{PREFIX}/schedulers/nope").json())
    Problem.model_validate(admin_api.post(f"{PREFIX}/schedulers/boefje/push", {}, format="json").json())
