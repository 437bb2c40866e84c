"""Status changes: the one place that applies the status machine (rocky_scheduler.state)."""

import datetime
import uuid
from contextlib import nullcontext
from functools import cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rocky_scheduler.errors import (
    DUPLICATE_QUEUED,
    ILLEGAL_TRANSITION,
    POP_ONLY_TRANSITION,
    TASK_NOT_FOUND,
    DuplicateTask,
    IllegalTransition,
    InvalidInput,
    NotFound,
)
from rocky_scheduler.models import FINAL_STATUSES, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.statements import is_postgresql, task_transition_with_event
from rocky_scheduler.services.common import (
    Clock,
    default_clock,
    get_task_for_update,
    publish_queue_state,
    scheduler_cache,
)
from rocky_scheduler.state import POP_ONLY, TRANSITIONS, is_allowed

STATUS_INVALID = "status must be one of {choices}, got {status!r}."


@cache
def _allowed_from(to_status: str) -> list[str]:
    return [
        from_status
        for from_status, targets in TRANSITIONS.items()
        if to_status in targets and (from_status, to_status) not in POP_ONLY
    ]


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
    status = TaskStatus(status).value  # a TaskStatus member or its string: messages show the plain value
    task_uuid = _parse_id(task_id)
    if is_postgresql():
        # One statement, committed on its own unless the caller holds a transaction: the hot path of every
        # completion, with no BEGIN/COMMIT round trips.
        return _transition_postgresql(task_uuid, status, clock(), actor=actor, reason=reason)
    with transaction.atomic():
        now = clock()
        task, from_status = _transition_generic(task_uuid, status, now, actor=actor, reason=reason)
        if TaskStatus.QUEUED in (from_status, status):
            publish_queue_state(task)
        if status in FINAL_STATUSES and task.schedule_id is not None:
            # Imported here: the scheduling services themselves call task_transition.
            from rocky_scheduler.services.scheduling.rescheduling import schedule_after_task_finished

            schedule_after_task_finished(task=task, now=now)
    return task


def task_cancel(*, task_id: uuid.UUID | str, actor: str = "", reason: str = "", clock: Clock = default_clock) -> Task:
    return task_transition(task_id=task_id, status=TaskStatus.CANCELLED, actor=actor, reason=reason, clock=clock)


def _parse_id(task_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return task_id if isinstance(task_id, uuid.UUID) else uuid.UUID(str(task_id))
    except (ValueError, TypeError, ValidationError):
        raise NotFound(TASK_NOT_FOUND.format(task_id=task_id), field="id") from None


def _refusal(task_id: uuid.UUID, to_status: str) -> Exception:
    """Why a move did not happen: the task is missing, or its status forbids it."""
    current = Task.objects.filter(pk=task_id).values_list("status", flat=True).first()
    if current is None:
        return NotFound(TASK_NOT_FOUND.format(task_id=task_id), field="id")
    if (current, to_status) in POP_ONLY:
        return IllegalTransition(POP_ONLY_TRANSITION, field="status")
    return IllegalTransition(ILLEGAL_TRANSITION.format(from_status=current, to_status=to_status), field="status")


def _lease_mode(to_status: str) -> str:
    if to_status == TaskStatus.RUNNING:
        # Starting, or a heartbeat: the lease now runs for the scheduler's run timeout.
        return "run"
    if to_status == TaskStatus.QUEUED or to_status in FINAL_STATUSES:
        return "clear"
    return "keep"


def _transition_postgresql(task_id: uuid.UUID, status: str, now, *, actor: str, reason: str) -> Task:
    # Imported here: the scheduling services themselves call task_transition.
    from rocky_scheduler.services.scheduling.rescheduling import (
        correct_provisional_deadline,
        plugin_intervals_json,
        provisional_deadline,
    )

    finishing = status in FINAL_STATUSES
    provisional = provisional_deadline(now) if finishing else None
    intervals = plugin_intervals_json.get() if finishing else None
    try:
        # A transaction (or savepoint) only where a unique index can refuse the move: back into the queue.
        with transaction.atomic() if status == TaskStatus.QUEUED else nullcontext():
            outcome = task_transition_with_event(
                task_id=task_id,
                to_status=status,
                allowed_from=_allowed_from(status),
                now=now,
                lease=_lease_mode(status),
                clear_dispatch=status == TaskStatus.QUEUED,
                actor=actor,
                reason=reason,
                provisional_deadline=provisional,
                intervals_json=intervals,
            )
    except IntegrityError:
        scheduler_id = Task.objects.filter(pk=task_id).values_list("scheduler_id", flat=True).first()
        raise DuplicateTask(DUPLICATE_QUEUED.format(scheduler_id=scheduler_id), field="status") from None
    if outcome is None:
        raise _refusal(task_id, status)
    task = outcome.task
    if TaskStatus.QUEUED in (outcome.from_status, status):
        publish_queue_state(task)
    # With the intervals at hand the statement's deadline is final, except a cron schedule's.
    if outcome.rescheduled and (intervals is None or outcome.schedule_cron is not None):
        correct_provisional_deadline(task=task, cron=outcome.schedule_cron, provisional=provisional, now=now)
    return task


def _transition_generic(task_id: uuid.UUID, status: str, now, *, actor: str, reason: str) -> tuple[Task, str]:
    task = get_task_for_update(task_id)
    from_status = task.status
    if (from_status, status) in POP_ONLY or not is_allowed(from_status, status):
        raise _refusal(task_id, status)
    lease = _lease_mode(status)
    task.status = status
    task.modified_at = now
    if lease == "run":
        timeout = scheduler_cache.get(task.scheduler_id).run_timeout_seconds
        task.lease_expires_at = now + datetime.timedelta(seconds=timeout)
    elif lease == "clear":
        task.lease_expires_at, task.lease_owner = None, ""
    if status == TaskStatus.QUEUED:
        task.dispatched_at = None
    try:
        with transaction.atomic():
            task.save(update_fields=["status", "modified_at", "dispatched_at", "lease_owner", "lease_expires_at"])
    except IntegrityError:
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
    return task, from_status
