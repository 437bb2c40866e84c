"""Pop: hand the best queued tasks of a scheduler to a worker, each to exactly one worker."""

import dataclasses
import datetime

from django.db.models import Q

from rocky_scheduler.conf import app_settings
from rocky_scheduler.metrics import TASKS_POPPED, count_on_commit
from rocky_scheduler.models import Scheduler, Task, TaskStatus
from rocky_scheduler.queue.claim import QUEUE_ORDER, ClaimRequest, claim_tasks
from rocky_scheduler.queue.heap import HeapWindow, heaps
from rocky_scheduler.services.common import Clock, default_clock, scheduler_cache

POP_LIMIT_INVALID = "limit must be an integer between 1 and {maximum}."


def task_pop(
    *,
    scheduler_id: str,
    limit: int = 1,
    filters: Q | None = None,
    worker: str = "",
    clock: Clock = default_clock,
) -> list[Task]:
    """Dispatch up to `limit` tasks, best (lowest priority, then oldest) first; [] when none match.

    Unfiltered pops take their candidates from this process's heap cache; filtered pops let
    the database search the queue index. Either way the claim itself happens in the database.
    """
    scheduler = scheduler_cache.get(scheduler_id)
    if scheduler.paused:
        return []
    now = clock()
    base = ClaimRequest(
        scheduler_id=scheduler.pk,
        limit=limit,
        now=now,
        lease_expires_at=now + datetime.timedelta(seconds=scheduler.dispatch_timeout_seconds),
        owner=worker,
        filters=filters,
    )
    tasks = claim_tasks(base) if filters is not None else _pop_through_heap(scheduler, base)
    count_on_commit(TASKS_POPPED, len(tasks), scheduler=scheduler.pk)
    return tasks


def refill_window(window: HeapWindow, scheduler_id: str) -> int:
    """Re-read the best queued tasks of `scheduler_id` into `window`; returns the rows read."""
    rows = list(
        Task.objects.filter(scheduler_id=scheduler_id, status=TaskStatus.QUEUED)
        .order_by(*QUEUE_ORDER)
        .values_list("priority", "created_at", "id")[: window.window]
    )
    window.replace((priority, created_at.timestamp(), task_id) for priority, created_at, task_id in rows)
    return len(rows)


def _pop_through_heap(scheduler: Scheduler, base: ClaimRequest) -> list[Task]:
    window = heaps.get(scheduler.pk)
    rows_read: int | None = None
    if window.needs_refill():
        rows_read = refill_window(window, scheduler.pk)
    claimed: list[Task] = []
    # Every round claims or discards at least one candidate, and the window refills at most once.
    while len(claimed) < base.limit:
        wanted = base.limit - len(claimed)
        candidates = window.candidates(max(app_settings.CLAIM_CANDIDATES, wanted))
        if not candidates:
            if rows_read is not None:
                break
            rows_read = refill_window(window, scheduler.pk)
            continue
        won = claim_tasks(_with(base, candidate_ids=candidates, limit=wanted))
        claimed.extend(won)
        window.discard(_lost_candidates(candidates, won, wanted))
    if len(claimed) < base.limit and len(window) == 0 and rows_read != 0:
        # Other processes took everything this window held: ask the whole queue once, so an
        # empty answer means nothing was claimable, not that this process's hint ran dry.
        claimed.extend(claim_tasks(_with(base, limit=base.limit - len(claimed))))
        window.invalidate()
    claimed.sort(key=lambda task: (task.priority, task.created_at))
    return claimed


def _lost_candidates(candidates: list, won: list[Task], wanted: int) -> list:
    """Which candidates to drop: the claimed ones, and those the claim passed over (taken elsewhere).

    The claim takes the best available candidates in queue order, so when it returned fewer than
    wanted, none of the rest was available; otherwise every candidate ranked before the last one
    it claimed was unavailable.
    """
    if len(won) < wanted:
        return candidates
    positions = {task_id: index for index, task_id in enumerate(candidates)}
    last = max(positions.get(task.id, -1) for task in won)
    won_ids = {task.id for task in won}
    return [task_id for index, task_id in enumerate(candidates) if index <= last or task_id in won_ids]


def _with(base: ClaimRequest, **changes) -> ClaimRequest:
    return dataclasses.replace(base, **changes)
