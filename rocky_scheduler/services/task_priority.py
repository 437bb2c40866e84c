"""Re-prioritisation of a queued task (the API's PATCH priority and the admin's actions)."""

import uuid

from rocky_scheduler.models import Task
from rocky_scheduler.queue.store import get_store
from rocky_scheduler.services.common import Clock, check_priority, default_clock, publish_queue_state


def task_set_priority(
    *, task_id: uuid.UUID | str, priority: object, actor: str = "", reason: str = "", clock: Clock = default_clock
) -> Task:
    """Give a queued task a new priority; every server process pops by it within a second.

    Raises InvalidInput (not a priority), NotFound or IllegalTransition (the task is no longer queued).
    """
    priority = check_priority(priority)
    task, changed = get_store().set_priority(task_id, priority, now=clock(), actor=actor, reason=reason)
    if changed:
        publish_queue_state(task)
    return task
