"""Lease expiry: dispatched or running tasks whose worker went quiet go back to the queue, or fail."""

import logging
from dataclasses import dataclass

from django.db import transaction

from rocky_scheduler.metrics import LEASES_EXPIRED, count_on_commit
from rocky_scheduler.queue.store import get_store
from rocky_scheduler.queue.store.leases import (  # noqa: F401 - the history's reasons, as callers know them
    REASON_DISPATCH_TIMEOUT,
    REASON_DUPLICATE,
    REASON_MAX_ATTEMPTS,
    REASON_RUN_TIMEOUT,
    SYSTEM_ACTOR,
)
from rocky_scheduler.services.common import Clock, default_clock, publish_queue_state

logger = logging.getLogger(__name__)


@dataclass
class LeaseExpiryResult:
    requeued: int = 0
    failed: int = 0


def task_expire_leases(*, clock: Clock = default_clock, batch_size: int = 500) -> LeaseExpiryResult:
    """Handle every lease that ran out before `clock()`; safe to run in several processes at once."""
    result = LeaseExpiryResult()
    while True:
        now = clock()
        # One transaction per batch: the store gives a failed task's schedule its next deadline with the failure.
        with transaction.atomic():
            expired = get_store().expire_lease_batch(now=now, batch_size=batch_size)
            for lease in expired:
                task = lease.task
                if lease.requeued:
                    result.requeued += 1
                    publish_queue_state(task)
                else:
                    result.failed += 1
                count_on_commit(LEASES_EXPIRED, scheduler=task.scheduler_id, outcome=task.status)
        if len(expired) < batch_size:
            return result
