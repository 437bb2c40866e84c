"""The ORM store's batch insert (SQLite): the tasks of one batch and their `created` history rows together."""

import uuid
from collections.abc import Sequence

from django.db import transaction

from rocky_scheduler.models import Scheduler, Task, TaskEvent


def created_event(task: Task, *, actor: str, reason: str) -> TaskEvent:
    return TaskEvent(
        task=task,
        at=task.created_at,
        kind=TaskEvent.Kind.CREATED,
        to_status=task.status,
        to_priority=task.priority,
        actor=actor,
        reason=reason,
    )


def insert_many(tasks: Sequence[Task], *, actor: str, room_checked: bool, reason: str = "") -> set[uuid.UUID]:
    """Insert the tasks of one scheduler (with fresh ids) and their `created` history rows; the ids inserted.

    A task a unique index refuses (the same hash queued, the same schedule active, an earlier one of `tasks`)
    is left out without failing the others. As for `insert`: unless `room_checked`, a scheduler with a maxsize
    gets none of them (the caller pushes those one by one, counting under the scheduler lock).
    """
    if not tasks:
        return set()
    if not room_checked and Scheduler.objects.filter(pk=tasks[0].scheduler_id, maxsize__gt=0).exists():
        return set()
    with transaction.atomic():
        # INSERT OR IGNORE on SQLite: the refused rows are found by reading the ids back.
        Task.objects.bulk_create(tasks, ignore_conflicts=True)
        created = {task.pk: task.created_at for task in tasks}
        rows = Task.objects.filter(pk__in=list(created)).values_list("pk", "created_at")
        inserted = {pk for pk, created_at in rows if created[pk] == created_at}
        TaskEvent.objects.bulk_create(
            created_event(task, actor=actor, reason=reason) for task in tasks if task.pk in inserted
        )
    return inserted
