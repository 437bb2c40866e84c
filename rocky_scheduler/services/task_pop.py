"""Pop: hand the best queued tasks of a scheduler to a worker, each to exactly one worker."""

import dataclasses
import datetime
from typing import Any

from django.db.models import Q

from rocky_scheduler.conf import app_settings
from rocky_scheduler.metrics import TASKS_POPPED, count_on_commit
from rocky_scheduler.models import Scheduler, Task, TaskStatus
from rocky_scheduler.queue.heap import HeapWindow, heaps
from rocky_scheduler.queue.store import QUEUE_ORDER, ClaimRequest, get_store
from rocky_scheduler.services.common import Clock, default_clock, scheduler_cache


@dataclasses.dataclass(frozen=True)
class PopOutcome:
    tasks: list[Task]
    # The scheduler was paused (then `tasks` is empty): a worker can tell paused from empty.
    paused: bool = False


def task_pop(
    *,
    scheduler_id: str,
    limit: int = 1,
    filters: Q | None = None,
    worker: str = "",
    clock: Clock = default_clock,
) -> list[Task]:
    """Dispatch up to `limit` tasks, best (lowest priority, then oldest) first; [] when none match (or paused)."""
    return task_pop_outcome(scheduler_id=scheduler_id, limit=limit, filters=filters, worker=worker, clock=clock).tasks


def task_pop_outcome(
    *,
    scheduler_id: str,
    limit: int = 1,
    filters: Q | None = None,
    worker: str = "",
    clock: Clock = default_clock,
) -> PopOutcome:
    """As task_pop, and whether the scheduler was paused.

    Unfiltered pops take their candidates from this process's heap cache; filtered pops let
    the database search the queue index. Either way the claim itself happens in the database,
    which also reads `paused` (never from a cache: a pause binds the very next pop everywhere).
    When the best task carries a deduplication key the answer is its group, and nothing else.
    """
    scheduler = scheduler_cache.get(scheduler_id)
    now = clock()
    base = ClaimRequest(
        scheduler_id=scheduler.pk,
        limit=limit,
        now=now,
        lease_expires_at=now + datetime.timedelta(seconds=scheduler.dispatch_timeout_seconds),
        owner=worker,
        filters=filters,
    )
    if filters is not None:
        result = get_store().claim(base)
        outcome = PopOutcome(tasks=result.tasks, paused=result.paused)
    else:
        outcome = _pop_through_heap(scheduler, base)
    count_on_commit(TASKS_POPPED, len(outcome.tasks), scheduler=scheduler.pk)
    return outcome


def refill_window(window: HeapWindow, scheduler_id: str) -> int:
    """Re-read the best queued tasks of `scheduler_id` into `window`; returns the rows read."""
    rows = list(
        Task.objects.filter(scheduler_id=scheduler_id, status=TaskStatus.QUEUED)
        .order_by(*QUEUE_ORDER)
        .values_list("priority", "created_at", "id")[: window.window]
    )
    window.replace((priority, created_at.timestamp(), task_id) for priority, created_at, task_id in rows)
    return len(rows)


def _pop_through_heap(scheduler: Scheduler, base: ClaimRequest) -> PopOutcome:
    window = heaps.get(scheduler.pk)
    rows_read: int | None = None
    if window.needs_refill():
        rows_read = refill_window(window, scheduler.pk)
    claimed: list[Task] = []
    request = base
    # Every round claims or discards at least one candidate, and the window refills at most once.
    while len(claimed) < base.limit:
        wanted = base.limit - len(claimed)
        candidates = window.candidates(max(app_settings.CLAIM_CANDIDATES, wanted))
        if not candidates:
            if rows_read is not None:
                break
            rows_read = refill_window(window, scheduler.pk)
            continue
        result = get_store().claim(_with(request, candidate_ids=candidates, limit=wanted))
        if result.paused:
            return PopOutcome(tasks=[], paused=True)
        claimed.extend(result.tasks)
        if result.group:
            # A group is the whole answer; its members outside the candidates leave the window too.
            window.discard(task.id for task in result.tasks)
            return PopOutcome(tasks=result.tasks)
        window.discard(_lost_candidates(candidates, result.tasks, wanted))
        # Once keyless work is taken, later rounds take only keyless work: a pop never mixes it with a group.
        request = _with(request, groups=not claimed)
    if len(claimed) < base.limit and len(window) == 0 and rows_read != 0:
        # Other processes took everything this window held: ask the whole queue once, so an
        # empty answer means nothing was claimable, not that this process's hint ran dry.
        result = get_store().claim(_with(request, limit=base.limit - len(claimed)))
        window.invalidate()
        if result.paused:
            return PopOutcome(tasks=[], paused=True)
        claimed.extend(result.tasks)
    claimed.sort(key=lambda task: (task.priority, task.created_at))
    return PopOutcome(tasks=claimed)


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


def _with(base: ClaimRequest, **changes: Any) -> ClaimRequest:
    return dataclasses.replace(base, **changes)
