"""Housekeeping: delete old history and finished tasks in small batches.

Small batches, each its own transaction, keep locks short and let autovacuum reclaim the space
as it goes, instead of one huge DELETE that bloats the table and blocks for minutes.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model, QuerySet

from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import FINAL_STATUSES, ProcessedMessage, ScheduleEvent, Task, TaskEvent
from rocky_scheduler.services.common import Clock, default_clock


@dataclass
class HousekeepingResult:
    tasks_deleted: int = 0
    task_events_deleted: int = 0
    schedule_events_deleted: int = 0
    messages_deleted: int = 0


def _delete_in_batches(queryset: QuerySet, model: type[Model], batch_size: int) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            count, _ = model.objects.filter(pk__in=ids).delete()
            deleted += len(ids) if count else 0
        if len(ids) < batch_size:
            return deleted


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
    result.tasks_deleted = _delete_in_batches(
        Task.objects.filter(status__in=FINAL_STATUSES, modified_at__lt=task_cutoff).order_by("modified_at"),
        Task,
        batch_size,
    )
    result.messages_deleted = _delete_in_batches(
        ProcessedMessage.objects.filter(processed_at__lt=message_cutoff).order_by("processed_at"),
        ProcessedMessage,
        batch_size,
    )
    return result
