"""Lease expiry: dispatched or running tasks whose worker went quiet go back to the queue, or fail."""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from rocky_scheduler.metrics import LEASES_EXPIRED, count_on_commit
from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.services.common import Clock, default_clock, publish_queue_state

logger = logging.getLogger(__name__)

REASON_DISPATCH_TIMEOUT = "no status change within the dispatch timeout"
REASON_RUN_TIMEOUT = "no heartbeat within the run timeout"
REASON_MAX_ATTEMPTS = "; max attempts reached"
REASON_DUPLICATE = "; another task with this hash is queued"
SYSTEM_ACTOR = "system:lease-expiry"


@dataclass
class LeaseExpiryResult:
    requeued: int = 0
    failed: int = 0


def task_expire_leases(*, clock: Clock = default_clock, batch_size: int = 500) -> LeaseExpiryResult:
    """Handle every lease that ran out before `clock()`; safe to run in several processes at once."""
    result = LeaseExpiryResult()
    schedulers = {scheduler.pk: scheduler for scheduler in Scheduler.objects.all()}
    while True:
        handled = _expire_batch(schedulers, clock(), batch_size, result)
        if handled < batch_size:
            return result


def _expire_batch(schedulers: dict[str, Scheduler], now, batch_size: int, result: LeaseExpiryResult) -> int:
    with transaction.atomic():
        # SKIP LOCKED: a worker reporting on one of these tasks right now wins; we see it next run.
        expired = list(
            Task.objects.select_for_update(skip_locked=True)
            .filter(status__in=[TaskStatus.DISPATCHED, TaskStatus.RUNNING], lease_expires_at__lt=now)
            .order_by("lease_expires_at")[:batch_size]
        )
        for task in expired:
            _expire_one(task, schedulers[task.scheduler_id], now, result)
    return len(expired)


def _expire_one(task: Task, scheduler: Scheduler, now, result: LeaseExpiryResult) -> None:
    from_status = task.status
    reason = REASON_DISPATCH_TIMEOUT if from_status == TaskStatus.DISPATCHED else REASON_RUN_TIMEOUT
    task.attempts += 1
    retry = from_status == TaskStatus.DISPATCHED or scheduler.requeue_on_run_timeout
    if retry and task.attempts >= scheduler.max_attempts:
        retry, reason = False, reason + REASON_MAX_ATTEMPTS
    task.lease_expires_at = None
    task.lease_owner = ""
    task.modified_at = now
    fields = ["status", "attempts", "lease_expires_at", "lease_owner", "modified_at", "dispatched_at"]
    if retry:
        task.status, task.dispatched_at = TaskStatus.QUEUED, None
        try:
            with transaction.atomic():
                task.save(update_fields=fields)
        except IntegrityError:
            retry, reason = False, reason + REASON_DUPLICATE
    if not retry:
        task.status = TaskStatus.FAILED
        task.save(update_fields=fields)
    TaskEvent.objects.create(
        task=task,
        at=now,
        kind=TaskEvent.Kind.LEASE_EXPIRED,
        from_status=from_status,
        to_status=task.status,
        actor=SYSTEM_ACTOR,
        reason=reason,
    )
    if retry:
        result.requeued += 1
        publish_queue_state(task)
    else:
        result.failed += 1
        if task.schedule_id is not None:
            from rocky_scheduler.services.scheduling.rescheduling import schedule_after_task_finished

            schedule_after_task_finished(task=task, now=now)
    count_on_commit(LEASES_EXPIRED, scheduler=task.scheduler_id, outcome=task.status)
