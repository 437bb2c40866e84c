"""Push many boefje tasks at once: the batch form of task_push for scheduling from an event storm (issue 16).

The same task, schedule and history rows as one task_push each, written with one statement per kind for the
whole batch. Whatever the batch form does not cover goes through task_push itself, one by one: a scheduler with
a maxsize (counted under its lock) or deduplicating across organisations (siblings), a push the caller holds
no plugin for, and a task a unique index refused (task_push merges or refuses the duplicate by the scheduler's
flags).
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from rocky_scheduler.catalogue import PluginInfo
from rocky_scheduler.errors import DuplicateTask, QueueFull
from rocky_scheduler.metrics import TASKS_PUSHED, count_on_commit
from rocky_scheduler.models import Schedule, Task, TaskType
from rocky_scheduler.queue.store import get_store
from rocky_scheduler.services.common import Clock, check_priority, default_clock, publish_queue_state, scheduler_cache
from rocky_scheduler.services.task_push import (
    CARRIES_DATA_ID,
    parse_task_id,
    queued_task,
    rank_push,
    schedule_candidate,
    task_push,
)
from rocky_scheduler.taskdata import validate_task_data


@dataclass(frozen=True)
class PushRequest:
    scheduler_id: str
    organisation: str
    data: dict[str, Any]
    plugin: PluginInfo | None = None
    rank_hints: dict[str, Any] = field(default_factory=dict)


PushResult = Task | DuplicateTask | QueueFull


def task_push_many(requests: list[PushRequest], *, actor: str, clock: Clock = default_clock) -> list[PushResult]:
    """Queue each request as task_push would; per request the task, or the DuplicateTask/QueueFull refusing it.

    Other errors (InvalidInput, NotFound) are raised, as task_push raises them.
    """
    results: list[PushResult | None] = [None] * len(requests)
    bulk: list[int] = []
    for index, request in enumerate(requests):
        scheduler = scheduler_cache.get(request.scheduler_id)
        if scheduler.maxsize or scheduler.deduplicate or request.plugin is None or scheduler.type != TaskType.BOEFJE:
            results[index] = _push_one(request, actor=actor, clock=clock)
        else:
            bulk.append(index)
    by_scheduler: dict[str, list[int]] = {}
    for index in bulk:
        by_scheduler.setdefault(requests[index].scheduler_id, []).append(index)
    for indexes in by_scheduler.values():
        tasks = _insert_many([requests[index] for index in indexes], actor=actor, clock=clock)
        for index, task in zip(indexes, tasks, strict=True):
            results[index] = task if task is not None else _push_one(requests[index], actor=actor, clock=clock)
    return [result for result in results if result is not None]


def _push_one(request: PushRequest, *, actor: str, clock: Clock) -> PushResult:
    try:
        return task_push(
            scheduler_id=request.scheduler_id,
            organisation=request.organisation,
            data=request.data,
            actor=actor,
            plugin=request.plugin,
            rank_hints=request.rank_hints,
            clock=clock,
        )
    except (DuplicateTask, QueueFull) as refusal:
        return refusal


def _insert_many(requests: list[PushRequest], *, actor: str, clock: Clock) -> list[Task | None]:
    """The tasks inserted, None where a unique index or a bound set meanwhile refused (the caller pushes those)."""
    scheduler = scheduler_cache.get(requests[0].scheduler_id)
    now = clock()
    tasks: list[Task] = []
    candidates: list[Schedule] = []
    for request in requests:
        validated = validate_task_data(task_type=scheduler.type, data=request.data, organisation=request.organisation)
        task_id = parse_task_id(validated.data.get("id")) or uuid.uuid4()
        if scheduler.type in CARRIES_DATA_ID:
            validated.data["id"] = str(task_id)
        priority = check_priority(rank_push(scheduler, request.organisation, validated, now, request.rank_hints))
        candidate, _known = schedule_candidate(scheduler, request.organisation, validated, request.plugin, now)
        candidates.append(candidate)
        tasks.append(queued_task(task_id, scheduler, request.organisation, priority, validated, now))
    store = get_store()
    # Every request holds its plugin (task_push_many's condition), so each schedule's interval is the plugin's.
    for task, schedule_id in zip(tasks, store.upsert_schedules(candidates, interval_known=True), strict=True):
        task.schedule_id = schedule_id
    # Room not checked: a scheduler that gained a maxsize meanwhile gets none of them, and task_push takes them.
    inserted_ids = store.insert_many(tasks, actor=actor, room_checked=False)
    inserted = [task for task in tasks if task.pk in inserted_ids]
    for task in inserted:
        publish_queue_state(task)
    count_on_commit(TASKS_PUSHED, len(inserted), scheduler=scheduler.pk)
    return [task if task.pk in inserted_ids else None for task in tasks]
