"""Recurring work: queueing every schedule that is due, a locked batch at a time."""

import logging
import time

from django.db import transaction

from rocky_scheduler.catalogue import Catalogue, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import Schedule
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.scheduling.due_batch import due_batch_push
from rocky_scheduler.services.scheduling.due_common import (
    ACTOR,
    REASON_ACTIVE,
    REASON_INVALID,
    REASON_LEVEL,
    REASON_OOI_GONE,
    REASON_PLUGIN_DISABLED,
    REASON_PLUGIN_GONE,
    REASON_RESCHEDULED,
    Batch,
    DueRunResult,
    RunCatalogue,
)

__all__ = [
    "ACTOR",
    "REASON_ACTIVE",
    "REASON_INVALID",
    "REASON_LEVEL",
    "REASON_OOI_GONE",
    "REASON_PLUGIN_DISABLED",
    "REASON_PLUGIN_GONE",
    "REASON_RESCHEDULED",
    "DueRunResult",
    "schedule_due_push",
]

logger = logging.getLogger(__name__)


def schedule_due_push(
    *,
    clock: Clock = default_clock,
    catalogue: Catalogue | None = None,
    batch_size: int | None = None,
    run_seconds: float | None = None,
) -> DueRunResult:
    """Queue every enabled schedule whose deadline has passed, oldest deadline first.

    Each batch (RESCHEDULE_BATCH_SIZE) is one transaction that locks its schedules with SKIP LOCKED, so several
    clusters can run this at once without queueing a schedule twice; a crash loses at most the open batch, which
    the next run picks up because its deadlines were not moved. The run stops starting batches after
    `run_seconds` (RESCHEDULE_RUN_SECONDS, below django-q2's task timeout): what is still due is the next run's.
    A scheduler whose queue is full is left alone for the rest of the run.
    """
    run_catalogue = RunCatalogue(catalogue or get_catalogue())
    batch_size = batch_size or app_settings.RESCHEDULE_BATCH_SIZE
    run_seconds = app_settings.RESCHEDULE_RUN_SECONDS if run_seconds is None else run_seconds
    started = time.monotonic()
    result = DueRunResult()
    now = clock()
    full: set[str] = set()
    while True:
        with transaction.atomic():
            began = time.monotonic()
            candidates = Schedule.objects.select_for_update(skip_locked=True, no_key=True).filter(
                enabled=True, deadline_at__lte=now
            )
            if full:
                candidates = candidates.exclude(scheduler_id__in=full)
            due = list(candidates.order_by("deadline_at", "id")[:batch_size])
            batch = Batch(now)
            full |= due_batch_push(due, catalogue=run_catalogue, batch=batch, clock=clock, result=result)
            batch.flush()
        if due:
            took = time.monotonic() - began
            result.batches += 1
            result.longest_batch_seconds = max(result.longest_batch_seconds, round(took, 3))
            logger.debug("rescheduling: a batch of %d schedules held its locks %.3f s", len(due), took)
        if len(due) < batch_size:
            return result
        if time.monotonic() - started >= run_seconds:
            result.stopped_early = True
            return result
