"""Retry: a final task is never revived (DESIGN.md status machine); its work is pushed again as a new task."""

import copy
import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler import selectors
from rocky_scheduler.errors import IllegalTransition
from rocky_scheduler.models import FINAL_STATUSES, Task
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.task_push import USER_PRIORITY, task_push

RETRY_NOT_FINAL = _("Only completed, failed or cancelled tasks can be retried; this one is {status!r}.")
RETRY_REASON = "retry of task {task_id}"


@transaction.atomic
def task_retry(*, task_id: uuid.UUID | str, actor: str, clock: Clock = default_clock) -> Task:
    """Push a copy of a final task under a new id, at the user's priority (a person asked for it).

    The new task's `created` history row names the task it repeats, so its history reads on its own. Raises
    NotFound, IllegalTransition (not final), DuplicateTask (the same work is queued or running again) or
    InvalidInput (its data no longer validates).
    """
    original = selectors.get_task(task_id)
    if original.status not in FINAL_STATUSES:
        raise IllegalTransition(RETRY_NOT_FINAL.format(status=original.status), field="status")
    return task_push(
        scheduler_id=original.scheduler_id,
        organisation=original.organisation,
        data=copy.deepcopy(original.data),
        priority=USER_PRIORITY,
        task_id=uuid.uuid4(),
        actor=actor,
        reason=RETRY_REASON.format(task_id=original.pk),
        clock=clock,
    )
