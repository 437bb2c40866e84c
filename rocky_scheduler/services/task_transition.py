"""Status changes: the one place that applies the status machine (rocky_scheduler.state)."""

import datetime
import uuid

from django.db import IntegrityError, transaction

from rocky_scheduler.errors import (
    DUPLICATE_QUEUED,
    ILLEGAL_TRANSITION,
    POP_ONLY_TRANSITION,
    DuplicateTask,
    IllegalTransition,
    InvalidInput,
)
from rocky_scheduler.models import FINAL_STATUSES, Task, TaskEvent, TaskStatus
from rocky_scheduler.services.common import (
    Clock,
    default_clock,
    get_scheduler,
    get_task_for_update,
    publish_queue_state,
)
from rocky_scheduler.state import POP_ONLY, is_allowed

STATUS_INVALID = "status must be one of {choices}, got {status!r}."


def task_transition(
    *,
    task_id: uuid.UUID | str,
    status: str,
    actor: str = "",
    reason: str = "",
    clock: Clock = default_clock,
) -> Task:
    """Move a task to `status`; raise NotFound, InvalidInput or IllegalTransition (nothing changes then)."""
    if status not in TaskStatus.values:
        raise InvalidInput(STATUS_INVALID.format(choices=", ".join(TaskStatus.values), status=status), field="status")
    with transaction.atomic():
        task = get_task_for_update(task_id)
        from_status = task.status
        if (from_status, status) in POP_ONLY:
            raise IllegalTransition(POP_ONLY_TRANSITION, field="status")
        if not is_allowed(from_status, status):
            raise IllegalTransition(
                ILLEGAL_TRANSITION.format(from_status=from_status, to_status=status), field="status"
            )
        now = clock()
        _apply(task, status, now)
        try:
            with transaction.atomic():
                task.save(update_fields=["status", "modified_at", "dispatched_at", "lease_owner", "lease_expires_at"])
        except IntegrityError:
            # Back to the queue while another task with the same hash is queued there.
            raise DuplicateTask(DUPLICATE_QUEUED.format(scheduler_id=task.scheduler_id), field="status") from None
        TaskEvent.objects.create(
            task=task,
            at=now,
            kind=TaskEvent.Kind.STATUS,
            from_status=from_status,
            to_status=status,
            actor=actor,
            reason=reason,
        )
        if TaskStatus.QUEUED in (from_status, status):
            publish_queue_state(task)
        if status in FINAL_STATUSES and task.schedule_id is not None:
            # Imported here: the scheduling services themselves call task_transition.
            from rocky_scheduler.services.scheduling.rescheduling import schedule_after_task_finished

            schedule_after_task_finished(task=task, now=now)
    return task


def task_cancel(*, task_id: uuid.UUID | str, actor: str = "", reason: str = "", clock: Clock = default_clock) -> Task:
    return task_transition(task_id=task_id, status=TaskStatus.CANCELLED, actor=actor, reason=reason, clock=clock)


def _apply(task: Task, status: str, now: datetime.datetime) -> None:
    task.status = status
    task.modified_at = now
    if status == TaskStatus.RUNNING:
        # Starting, or a heartbeat: the lease now runs for the scheduler's run timeout.
        scheduler = get_scheduler(task.scheduler_id)
        task.lease_expires_at = now + datetime.timedelta(seconds=scheduler.run_timeout_seconds)
    elif status == TaskStatus.QUEUED or status in FINAL_STATUSES:
        task.lease_expires_at = None
        task.lease_owner = ""
        if status == TaskStatus.QUEUED:
            task.dispatched_at = None
