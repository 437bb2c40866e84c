"""What a person does to a schedule by hand: switch it on or off, or run it now. History names them."""

import uuid

from django.db import transaction

from rocky_scheduler.models import ScheduleEvent, Task
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.schedules import get_schedule, schedule_update
from rocky_scheduler.services.task_push import USER_PRIORITY, task_push

RUN_NOW_REASON = "run now: task {task_id}"


@transaction.atomic
def schedule_set_enabled(
    *, schedule_id: uuid.UUID | str, enabled: bool, actor: str, reason: str = "", clock: Clock = default_clock
) -> bool:
    """Enable or disable a schedule; False when it already was (then nothing is written).

    Enabling clears a boefje's de-scheduling; the history names who did it.
    """
    schedule = get_schedule(schedule_id, for_update=True)
    if schedule.enabled == enabled:
        return False
    schedule_update(schedule_id=schedule.pk, enabled=enabled, actor=actor, reason=reason, clock=clock)
    return True


@transaction.atomic
def schedule_run_now(*, schedule_id: uuid.UUID | str, actor: str, clock: Clock = default_clock) -> Task:
    """Queue the schedule's work now, at the user's priority, whatever its deadline.

    Raises NotFound, DuplicateTask (its task is still active) or InvalidInput. The task and the
    schedule's history row are written together. The deadline is left alone: finishing the task
    sets the next one, and clearing it here could undo that when a worker is quicker than this
    function.
    """
    schedule = get_schedule(schedule_id)
    task = task_push(
        scheduler_id=schedule.scheduler_id,
        organisation=schedule.organisation,
        data=schedule.data,
        # A fresh id: the schedule's data may still carry the id of an earlier task of its own.
        task_id=uuid.uuid4(),
        priority=USER_PRIORITY,
        actor=actor,
        schedule=schedule,
        clock=clock,
    )
    ScheduleEvent.objects.create(
        schedule=schedule,
        at=clock(),
        kind=ScheduleEvent.Kind.QUEUED,
        actor=actor,
        reason=RUN_NOW_REASON.format(task_id=task.pk),
    )
    return task
