"""Status changes: validate the request, let the task store apply the status machine, then tell the caches."""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import TASK_NOT_FOUND, InvalidInput, NotFound
from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.queue.store import TransitionRequest, get_store
from rocky_scheduler.services.common import Clock, default_clock, publish_queue_state

STATUS_INVALID = _("status must be one of {choices}, got {status!r}.")


def task_transition(
    *,
    task_id: uuid.UUID | str,
    status: str,
    actor: str = "",
    reason: str = "",
    clock: Clock = default_clock,
) -> Task:
    """Move a task to `status`; raise NotFound, InvalidInput, IllegalTransition or DuplicateTask.

    Nothing changes when it raises.
    """
    if status not in TaskStatus.values:
        raise InvalidInput(STATUS_INVALID.format(choices=", ".join(TaskStatus.values), status=status), field="status")
    status = TaskStatus(status).value  # a TaskStatus member or its string: messages show the plain value
    # Finishing work of a schedule also gives the schedule its next deadline, in the store's same write.
    outcome = get_store().transition(
        TransitionRequest(task_id=_parse_id(task_id), to_status=status, now=clock(), actor=actor, reason=reason)
    )
    task = outcome.task
    if TaskStatus.QUEUED in (outcome.from_status, status):
        publish_queue_state(task)
    return task


def task_cancel(*, task_id: uuid.UUID | str, actor: str = "", reason: str = "", clock: Clock = default_clock) -> Task:
    return task_transition(task_id=task_id, status=TaskStatus.CANCELLED, actor=actor, reason=reason, clock=clock)


def _parse_id(task_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return task_id if isinstance(task_id, uuid.UUID) else uuid.UUID(str(task_id))
    except (ValueError, TypeError, ValidationError):
        raise NotFound(TASK_NOT_FOUND.format(task_id=task_id), field="id") from None
