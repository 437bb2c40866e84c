"""The ORM store's batch writes (SQLite): the tasks of one batch and their `created` history rows together, and a
rescheduling batch's schedules with them."""

import uuid
from collections.abc import Sequence

from django.db import transaction

from rocky_scheduler.models import ScheduleEvent, Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.store.deadlines import deadlines_clear
from rocky_scheduler.queue.store.schedule_events import EventRow, schedule_events_insert
from rocky_scheduler.queue.store.types import DueRequest


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


def queue_due(request: DueRequest) -> set[uuid.UUID]:
    """Queue a rescheduling batch's tasks of one scheduler: each task with its `created` row, and the schedule of
    each one inserted with its deadline cleared (a DEADLINE row) and a QUEUED row; the ids inserted.

    Several statements (SQLite); the PostgreSQL store writes the same rows in one. Refused and bounded as
    `insert_many`: a schedule whose task was not inserted is left as it was.
    """
    tasks, now, actor = request.tasks, request.now, request.actor
    instances = [
        Task(
            id=task.id,
            scheduler_id=request.scheduler_id,
            schedule_id=task.schedule_id,
            organisation=task.organisation,
            priority=task.priority,
            status=TaskStatus.QUEUED,
            type=request.task_type,
            hash=task.hash,
            data=task.data,
            deduplication_key=task.deduplication_key,
            created_at=task.created_at,
            modified_at=task.created_at,
        )
        for task in tasks
    ]
    inserted = insert_many(instances, actor=actor, room_checked=request.room_checked)
    done = [task for task in tasks if task.id in inserted]
    # In this order, as the PostgreSQL statement writes them: all DEADLINE rows, then all QUEUED rows.
    cleared = [(task.schedule_id, task.deadline_at) for task in done]
    deadlines_clear(cleared, now=now, actor=actor, reason=request.deadline_reason)
    queued = ScheduleEvent.Kind.QUEUED.value
    schedule_events_insert([EventRow(task.schedule_id, now, queued, actor) for task in done])
    return inserted
