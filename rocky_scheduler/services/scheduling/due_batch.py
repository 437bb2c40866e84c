"""Queueing a batch of due schedules by sets: a few queries and one insert instead of a push per schedule.

For a locked batch: the catalogue's facts in two set reads (RunCatalogue.prefetch), each schedule checked and
ranked in Python (cheap per row), the room of a bounded queue counted once under the scheduler lock, then every
task with its history row in one statement of the task store (`insert_many`). What that statement refuses (the
same work queued by someone else, or a task of the schedule still active) goes through `task_push` one at a time,
which decides as any push does (skipped, merged as the scheduler's flags say). So does every schedule of a
scheduler that pushes deduplication groups: a group is built per push.
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.metrics import TASKS_PUSHED, count_on_commit
from rocky_scheduler.models import Schedule, Scheduler, Task, TaskStatus, TaskType
from rocky_scheduler.queue.heap import heaps
from rocky_scheduler.queue.store import DueRequest, DueTask, get_store
from rocky_scheduler.rankers import RankRequest, load_ranker
from rocky_scheduler.selectors import last_completed_many
from rocky_scheduler.services.common import Clock, check_priority, scheduler_cache
from rocky_scheduler.services.scheduling.due_common import (
    ACTOR,
    REASON_INVALID,
    REASON_RESCHEDULED,
    Batch,
    DueRunResult,
    RunCatalogue,
    interval_refresh,
    push_one,
    why_not,
)
from rocky_scheduler.services.task_push import CARRIES_DATA_ID
from rocky_scheduler.taskdata import validate_task_data


def due_batch_push(
    due: list[Schedule], *, catalogue: RunCatalogue, batch: Batch, clock: Clock, result: DueRunResult
) -> set[str]:
    """Queue the locked, due schedules `due`; the ids of the schedulers whose queue was found full."""
    catalogue.prefetch(due)
    by_scheduler: dict[str, list[Schedule]] = defaultdict(list)
    for schedule in due:
        by_scheduler[schedule.scheduler_id].append(schedule)
    full = set()
    for scheduler_id, schedules in by_scheduler.items():
        if not _scheduler_push(scheduler_id, schedules, catalogue=catalogue, batch=batch, clock=clock, result=result):
            full.add(scheduler_id)
    return full


def _scheduler_push(
    scheduler_id: str,
    schedules: list[Schedule],
    *,
    catalogue: RunCatalogue,
    batch: Batch,
    clock: Clock,
    result: DueRunResult,
) -> bool:
    """One scheduler's share of the batch; False when its queue was full (the rest stays due)."""
    scheduler = scheduler_cache.get(scheduler_id)

    def one_by_one(rest: list[Schedule]) -> None:
        for schedule in rest:
            push_one(schedule, catalogue=catalogue, batch=batch, clock=clock, result=result)

    if scheduler.deduplicate and scheduler.type == TaskType.BOEFJE:
        one_by_one(schedules)
        return True
    ready, odd = _checked(schedules, scheduler=scheduler, catalogue=catalogue, batch=batch, result=result)
    now = clock()
    tasks = _ranked(ready, scheduler=scheduler, now=now)
    # Bounded, the scheduler row is locked for the count, as a bounded push does. Unbounded as far as this process
    # knows, nothing is locked (overlapping runs, and a run hung inside its batch, do not hold each other up), and
    # the insert reads the bound itself: a maxsize set a moment ago elsewhere sends the batch down the path of
    # one push at a time, which counts.
    room, maxsize = len(tasks), scheduler.maxsize
    if maxsize:
        scheduler_row = Scheduler.objects.select_for_update(no_key=True).filter(pk=scheduler_id)
        maxsize = scheduler_row.values_list("maxsize", flat=True).get()
        queued = Task.objects.filter(scheduler_id=scheduler_id, status=TaskStatus.QUEUED)[:maxsize].count()
        room = max(0, maxsize - queued)
    # Beyond the room: left due, as a refused push leaves it; the next run tries again.
    result.skipped += len(tasks) - min(room, len(tasks))
    tasks = tasks[:room]
    # With the tasks, the store clears the deadlines of their schedules and writes their history rows.
    inserted = get_store().queue_due(
        DueRequest(
            [task for task, _ in tasks],
            scheduler_id=scheduler_id,
            task_type=scheduler.type,
            room_checked=bool(maxsize),
            now=batch.now,
            actor=ACTOR,
            deadline_reason=REASON_RESCHEDULED,
        )
    )
    odd.extend(schedule for task, schedule in tasks if task.id not in inserted)
    batch.queued += len(inserted)
    result.queued += len(inserted)
    count_on_commit(TASKS_PUSHED, len(inserted), scheduler=scheduler_id)
    if inserted:
        # This process's heap cache reads the queue again at its next pop; those of the servers do within
        # HEAP_MAX_AGE_SECONDS, as for any push made elsewhere.
        transaction.on_commit(heaps.get(scheduler_id).invalidate)
    one_by_one(odd)
    return room >= len(ready)


def _checked(
    schedules: list[Schedule], *, scheduler: Scheduler, catalogue: RunCatalogue, batch: Batch, result: DueRunResult
) -> tuple[list[tuple], list[Schedule]]:
    """The schedules that may run, as (schedule, validated data, rank hints); the rest disabled with a reason.
    Also those whose data no longer hashes to the schedule (the per-schedule path finds their schedule)."""
    ready, odd = [], []
    for schedule in schedules:
        reason, hints = why_not(schedule, catalogue)
        validated = None
        if reason is None:
            try:
                validated = validate_task_data(
                    task_type=scheduler.type, data=schedule.data, organisation=schedule.organisation
                )
            except InvalidInput as error:
                reason = REASON_INVALID.format(error=error)
        if reason is not None:
            batch.disable(schedule, reason)
            result.disabled += 1
        elif validated is None or validated.hash != schedule.hash:
            odd.append(schedule)
        else:
            interval_refresh(schedule, hints, now=batch.now)
            ready.append((schedule, validated, hints))
    return ready, odd


def _ranked(ready: list[tuple], *, scheduler: Scheduler, now: datetime.datetime) -> list[tuple[DueTask, Schedule]]:
    """A task for each ready schedule, ranked by the scheduler's ranker, in the batch's (deadline) order."""
    last_runs = last_completed_many(scheduler_id=scheduler.pk, hashes=[validated.hash for _, validated, _ in ready])
    ranker = load_ranker(scheduler.ranker)
    queued_for = _QueuedCounts(scheduler.pk)
    tasks = []
    for index, (schedule, validated, hints) in enumerate(ready):
        # A fresh id: the schedule's data may still carry the id of an earlier task of its own.
        task_id = uuid.uuid4()
        data = validated.data
        if scheduler.type in CARRIES_DATA_ID:
            data["id"] = str(task_id)
        request = RankRequest(
            scheduler_id=scheduler.pk,
            task_type=scheduler.type,
            organisation=schedule.organisation,
            data=data,
            now=now,
            last_run_at=last_runs.get(validated.hash),
            queued_for_organisation=queued_for.counter(schedule.organisation),
            **hints,
        )
        # A microsecond apart, so equal priorities are popped in deadline order, as pushes one by one were.
        created_at = now + datetime.timedelta(microseconds=index)
        priority = check_priority(ranker.rank(request))
        task = DueTask(
            task_id,
            schedule.pk,
            schedule.organisation,
            priority,
            validated.hash,
            validated.data,
            validated.deduplication_key,
            created_at,
            schedule.deadline_at,
        )
        queued_for.added(schedule.organisation)
        tasks.append((task, schedule))
    return tasks


class _QueuedCounts:
    """Queued tasks per organisation for the rankers that ask (fair share): counted once per batch, plus the
    batch's own tasks before it, as pushes one by one would have seen them."""

    def __init__(self, scheduler_id: str) -> None:
        self.scheduler_id = scheduler_id
        self._counted: dict[str, int] = {}
        self._added: dict[str, int] = defaultdict(int)

    def counter(self, organisation: str) -> Callable[[], int]:
        def count() -> int:
            if organisation not in self._counted:
                self._counted[organisation] = Task.objects.filter(
                    scheduler_id=self.scheduler_id, organisation=organisation, status=TaskStatus.QUEUED
                ).count()
            return self._counted[organisation] + self._added[organisation]

        return count

    def added(self, organisation: str) -> None:
        self._added[organisation] += 1
