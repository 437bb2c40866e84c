"""Re-prioritisation of a queued task (the API's PATCH priority and the admin's actions)."""

import uuid

from django.db import transaction

from rocky_scheduler.errors import NOT_REPRIORITISABLE, IllegalTransition
from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services.common import (
    Clock,
    check_priority,
    default_clock,
    get_task_for_update,
    publish_queue_state,
)


def task_set_priority(
    *, task_id: uuid.UUID | str, priority: object, actor: str = "", reason: str = "", clock: Clock = default_clock
) -> Task:
    """Give a queued task a new priority; every server process pops by it within a second."""
    priority = check_priority(priority)
    with transaction.atomic():
        task = get_task_for_update(task_id)
        if task.status not in (TaskStatus.QUEUED, TaskStatus.PENDING):
            raise IllegalTransition(NOT_REPRIORITISABLE.format(status=task.status), field="priority")
        if task.priority == priority:
            return task
        now = clock()
        old_priority = task.priority
        task.priority = priority
        task.modified_at = now
        task.save(update_fields=["priority", "modified_at"])
        TaskEvent.objects.create(
            task=task,
            at=now,
            kind=TaskEvent.Kind.PRIORITY,
            from_priority=old_priority,
            to_priority=priority,
            actor=actor,
            reason=reason,
        )
        publish_queue_state(task)
    return task
