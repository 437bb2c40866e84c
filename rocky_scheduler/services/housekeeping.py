"""Housekeeping: delete old history and finished tasks in small batches of bounded time.

Small batches, each its own transaction, keep row locks short and let autovacuum reclaim the space as it
goes, instead of one huge DELETE that bloats the table and holds its locks for minutes. DELETE takes no
table lock beyond ROW EXCLUSIVE, which pops, pushes and reads do not wait for. Each kind of row is found
oldest first through an index (`taskevent_at`, `scheduleevent_at`, `task_created_at`), so a batch costs the
same on the first day of a deployment and after 10,000,000 finished tasks (docs/benchmarks/retention.md).
The batch size adapts: it halves when a batch takes longer than SLOW_BATCH_SECONDS and grows back up to the
size asked for when batches are quick, so a slow disk or a busy database gets shorter transactions.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model, QuerySet

from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import FINAL_STATUSES, ProcessedMessage, ScheduleEvent, Task, TaskEvent
from rocky_scheduler.services.common import Clock, default_clock

SLOW_BATCH_SECONDS = 0.5
MIN_BATCH_SIZE = 50


@dataclass
class HousekeepingResult:
    tasks_deleted: int = 0
    task_events_deleted: int = 0
    schedule_events_deleted: int = 0
    messages_deleted: int = 0


def _next_batch_size(size: int, seconds: float, *, largest: int) -> int:
    if seconds > SLOW_BATCH_SECONDS:
        return max(MIN_BATCH_SIZE, size // 2)
    if seconds < SLOW_BATCH_SECONDS / 4:
        return min(largest, size * 2)
    return size


def _delete_in_batches(
    queryset: QuerySet,
    model: type[Model],
    batch_size: int,
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    """Delete what `queryset` selects (oldest first), `batch_size` rows at most per transaction."""
    deleted = 0
    size = batch_size
    while True:
        started = monotonic()
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True)[:size])
            if not ids:
                return deleted
            # A task's history goes with it (TaskEvent's foreign key cascades; Django deletes those rows first).
            model._default_manager.filter(pk__in=ids).delete()
            deleted += len(ids)
        if len(ids) < size:
            return deleted
        size = _next_batch_size(size, monotonic() - started, largest=batch_size)


def housekeeping_run(*, clock: Clock = default_clock, batch_size: int = 1000) -> HousekeepingResult:
    now = clock()
    task_cutoff = now - datetime.timedelta(days=app_settings.TASK_RETENTION_DAYS)
    history_cutoff = now - datetime.timedelta(days=app_settings.HISTORY_RETENTION_DAYS)
    message_cutoff = now - datetime.timedelta(days=app_settings.PROCESSED_MESSAGE_RETENTION_DAYS)
    result = HousekeepingResult()
    result.task_events_deleted = _delete_in_batches(
        TaskEvent.objects.filter(at__lt=history_cutoff).order_by("at"), TaskEvent, batch_size
    )
    result.schedule_events_deleted = _delete_in_batches(
        ScheduleEvent.objects.filter(at__lt=history_cutoff).order_by("at"), ScheduleEvent, batch_size
    )
    # A task is modified when it is created and on every change after, so one last changed before the cutoff
    # was created before it too: the created_at condition changes nothing but lets the scan walk the
    # task_created_at index from the oldest task instead of reading the whole table for each batch.
    result.tasks_deleted = _delete_in_batches(
        Task.objects.filter(
            created_at__lt=task_cutoff, status__in=FINAL_STATUSES, modified_at__lt=task_cutoff
        ).order_by("created_at"),
        Task,
        batch_size,
    )
    result.messages_deleted = _delete_in_batches(
        ProcessedMessage.objects.filter(processed_at__lt=message_cutoff).order_by("processed_at"),
        ProcessedMessage,
        batch_size,
    )
    return result
