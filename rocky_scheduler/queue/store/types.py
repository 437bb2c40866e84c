"""What the task store is asked and what it answers: plain values, no database in sight."""

import datetime
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q

from rocky_scheduler.models import Task

# Best first: the queue's order everywhere (claim, heap cache, listings of the queue).
QUEUE_ORDER = ("priority", "created_at")


class InsertOutcome(enum.Enum):
    INSERTED = "inserted"
    # A unique index refused it (the same hash queued, the same schedule active, the same id).
    CONFLICT = "conflict"
    # The scheduler has a maxsize and the caller had not checked the room under the scheduler lock.
    BOUNDED = "bounded"


@dataclass(frozen=True)
class ClaimRequest:
    scheduler_id: str
    limit: int
    now: datetime.datetime
    lease_expires_at: datetime.datetime
    owner: str
    # Restrict the claim to these ids (the heap cache's candidates); None: the whole queue.
    candidate_ids: Sequence[uuid.UUID] | None = None
    # ORM filters on task columns and `data` paths (already parsed from an allow-list).
    filters: Q | None = None
    # False: only tasks without a deduplication key (a later round of a pop that already took keyless work).
    groups: bool = True


@dataclass(frozen=True)
class ClaimResult:
    tasks: list[Task]
    # The scheduler was paused when the claim ran (then `tasks` is empty).
    paused: bool = False

    @property
    def group(self) -> bool:
        """The claim took a deduplication group (so the pop must not add other work to it)."""
        return bool(self.tasks) and self.tasks[0].deduplication_key is not None


@dataclass(frozen=True)
class TransitionRequest:
    task_id: uuid.UUID
    to_status: str
    now: datetime.datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class TransitionOutcome:
    task: Task
    from_status: str
    # Finishing work of a schedule: the schedule's next deadline, set in the same write (deadlines.next_deadline).
    deadline_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ExpiredLease:
    task: Task
    from_status: str
    # The task went back to the queue (else it failed).
    requeued: bool


class DueTask(NamedTuple):
    """A rescheduled task as the store writes it (queued, `modified_at` = `created_at`), with its schedule's
    locked deadline: plain values, no model instance per row (a batch has hundreds)."""

    id: uuid.UUID
    schedule_id: uuid.UUID
    organisation: str
    priority: int
    hash: str
    data: dict
    deduplication_key: uuid.UUID | None
    created_at: datetime.datetime
    # The schedule's deadline as locked: its DEADLINE history row says where it was.
    deadline_at: datetime.datetime | None


@dataclass(frozen=True)
class DueRequest:
    """A rescheduling batch's tasks of one scheduler, to queue with their schedules' deadline and history writes."""

    tasks: Sequence[DueTask]
    scheduler_id: str
    task_type: str
    # The caller counted the room of a bounded queue under the scheduler lock (else a bounded one gets none).
    room_checked: bool
    now: datetime.datetime
    actor: str
    # The DEADLINE history rows' reason.
    deadline_reason: str
