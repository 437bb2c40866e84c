"""Lease expiry in the store: dispatched or running tasks whose worker went quiet go back to the queue, or fail.

The same ORM code on every database: it is a background job over a few rows, not a hot path.
"""

import datetime

from django.db import IntegrityError, transaction

from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.store import deadlines
from rocky_scheduler.queue.store.types import ExpiredLease

# The history rows' reasons: data, not messages for a reader of this process's language.
REASON_DISPATCH_TIMEOUT = "no status change within the dispatch timeout"
REASON_RUN_TIMEOUT = "no heartbeat within the run timeout"
REASON_MAX_ATTEMPTS = "; max attempts reached"
REASON_DUPLICATE = "; another task with this hash is queued"
SYSTEM_ACTOR = "system:lease-expiry"
_FIELDS = ["status", "attempts", "lease_expires_at", "lease_owner", "modified_at", "dispatched_at"]


def expire_batch(*, now: datetime.datetime, batch_size: int) -> list[ExpiredLease]:
    """Handle up to `batch_size` leases that ran out before `now`; must run inside a transaction.

    A failed task's schedule gets its next deadline in that transaction."""
    schedulers = {scheduler.pk: scheduler for scheduler in Scheduler.objects.all()}
    # SKIP LOCKED: a worker reporting on one of these tasks right now wins; the next run sees it.
    expired = list(
        Task.objects.select_for_update(skip_locked=True)
        .filter(status__in=[TaskStatus.DISPATCHED, TaskStatus.RUNNING], lease_expires_at__lt=now)
        .order_by("lease_expires_at")[:batch_size]
    )
    return [_expire_one(task, schedulers[task.scheduler_id], now) for task in expired]


def _expire_one(task: Task, scheduler: Scheduler, now: datetime.datetime) -> ExpiredLease:
    from_status = task.status
    reason = REASON_DISPATCH_TIMEOUT if from_status == TaskStatus.DISPATCHED else REASON_RUN_TIMEOUT
    task.attempts += 1
    retry = from_status == TaskStatus.DISPATCHED or scheduler.requeue_on_run_timeout
    if retry and task.attempts >= scheduler.max_attempts:
        retry, reason = False, reason + REASON_MAX_ATTEMPTS
    task.lease_expires_at, task.lease_owner, task.modified_at = None, "", now
    if retry:
        task.status, task.dispatched_at = TaskStatus.QUEUED, None
        try:
            with transaction.atomic():
                task.save(update_fields=_FIELDS)
        except IntegrityError:
            retry, reason = False, reason + REASON_DUPLICATE
    if not retry:
        task.status = TaskStatus.FAILED
        task.save(update_fields=_FIELDS)
        # Failed work of a schedule recurs as finished work does: the same rule, with the failure.
        deadlines.schedule_finished(task=task, now=now, actor=SYSTEM_ACTOR)
    TaskEvent.objects.create(
        task=task,
        at=now,
        kind=TaskEvent.Kind.LEASE_EXPIRED,
        from_status=from_status,
        to_status=task.status,
        actor=SYSTEM_ACTOR,
        reason=reason,
    )
    return ExpiredLease(task=task, from_status=from_status, requeued=retry)
