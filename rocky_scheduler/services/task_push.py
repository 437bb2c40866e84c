"""Push: validate, rank, bound and insert one task; the database refuses duplicates."""

import datetime
import logging
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.catalogue import PluginInfo
from rocky_scheduler.errors import (
    DUPLICATE_ACTIVE,
    DUPLICATE_ID,
    DUPLICATE_QUEUED,
    QUEUE_FULL,
    DuplicateTask,
    InvalidInput,
    QueueFull,
)
from rocky_scheduler.metrics import TASKS_PUSHED, count_on_commit
from rocky_scheduler.models import Schedule, Scheduler, Task, TaskStatus, TaskType
from rocky_scheduler.queue.store import InsertOutcome, get_store
from rocky_scheduler.rankers import RankRequest, load_ranker
from rocky_scheduler.selectors import last_completed_at
from rocky_scheduler.services.common import Clock, check_priority, default_clock, publish_queue_state, scheduler_cache
from rocky_scheduler.services.schedules import plugin_timing
from rocky_scheduler.services.task_siblings import push_siblings, sibling_organisations, with_fresh_deduplication_key
from rocky_scheduler.taskdata import ValidatedData, validate_task_data

logger = logging.getLogger(__name__)

TASK_ID_INVALID = _("id must be a UUID.")
USER_PRIORITY = 1
# Task types whose `data` is a BoefjeMeta/NormalizerMeta for the worker, with the task's id in `data.id`.
CARRIES_DATA_ID = (TaskType.BOEFJE, TaskType.NORMALIZER)
# A duplicate found by the index may be popped before we look at it; try the insert again then.
_INSERT_TRIES = 3


def task_push(
    *,
    scheduler_id: str,
    organisation: Any,
    data: Any,
    priority: Any = None,
    task_id: Any = None,
    actor: str = "",
    reason: str = "",
    rank_hints: dict[str, Any] | None = None,
    schedule: Schedule | None = None,
    plugin: PluginInfo | None = None,
    clock: Clock = default_clock,
) -> Task:
    """Queue a task on `scheduler_id`; raise InvalidInput, NotFound, DuplicateTask or QueueFull.

    Without a priority the scheduler's ranker decides; `rank_hints` (interval, ooi_level,
    plugin_scan_level) tell it what the caller knows about the work. A caller that already holds
    the task's schedule (the rescheduler) passes it to save looking it up, one that holds the boefje's `plugin`
    (scheduling from events) passes it for the schedule's copy of its interval. `reason` goes into the
    task's `created` history row (a retry names the task it repeats).
    """
    scheduler = scheduler_cache.get(scheduler_id)
    validated = validate_task_data(task_type=scheduler.type, data=data, organisation=organisation)
    task_uuid = parse_task_id(task_id if task_id is not None else validated.data.get("id")) or uuid.uuid4()
    if scheduler.type in CARRIES_DATA_ID:
        # The runner parses `data` as BoefjeMeta/NormalizerMeta, whose `id` is a required UUID: a task pushed
        # without one (Rocky's run_boefje sends null) gets its own id there, so `data.id` always equals `id`.
        validated.data["id"] = str(task_uuid)
    now = clock()
    if priority is None:
        priority = rank_push(scheduler, organisation, validated, now, rank_hints or {})
    priority = check_priority(priority)

    siblings = sibling_organisations(scheduler=scheduler, validated=validated, organisation=organisation)
    if siblings:
        validated = with_fresh_deduplication_key(validated)
    exempt = priority == USER_PRIORITY

    def create(*, room_checked: bool) -> Task:
        nonlocal schedule
        if schedule is None or schedule.hash != validated.hash:
            schedule = (
                _schedule_for(scheduler, organisation, validated, plugin, now)
                if scheduler.type == TaskType.BOEFJE
                else None
            )
        task = queued_task(task_uuid, scheduler, organisation, priority, validated, now, schedule=schedule)
        return _insert_or_merge(scheduler, task, actor=actor, reason=reason, room_checked=room_checked)

    # A group is committed as one: a pop in between would take the original alone, as a group of one.
    with transaction.atomic() if siblings else nullcontext():
        task = _create_within_bound(create, scheduler=scheduler, exempt=exempt)
        if siblings:
            push_siblings(task=task, organisations=siblings, actor=actor, push=task_push, clock=clock)
    return task


def queued_task(
    task_id: uuid.UUID,
    scheduler: Scheduler,
    organisation: str,
    priority: int,
    validated: ValidatedData,
    now: datetime.datetime,
    *,
    schedule: Schedule | None = None,
) -> Task:
    """The row a push inserts (not saved)."""
    return Task(
        id=task_id,
        scheduler_id=scheduler.pk,
        schedule=schedule,
        organisation=organisation,
        priority=priority,
        status=TaskStatus.QUEUED,
        type=scheduler.type,
        hash=validated.hash,
        data=validated.data,
        deduplication_key=validated.deduplication_key,
        created_at=now,
        modified_at=now,
    )


class _NowBounded(Exception):
    """The scheduler got a maxsize after this process last read its settings: count under the lock."""


def _create_within_bound(create: Callable[..., Task], *, scheduler: Scheduler, exempt: bool) -> Task:
    if not (scheduler.maxsize and not exempt):
        # Unbounded as far as this process knows: two autocommitted writes (schedule, task + history). The
        # insert reads maxsize itself, so a bound another process set a moment ago still stops it (_NowBounded).
        try:
            return create(room_checked=exempt)
        except _NowBounded:
            pass
    # A bounded push holds the scheduler lock while it counts.
    with transaction.atomic():
        if not exempt:
            _check_room(scheduler.pk)
        return create(room_checked=True)


def parse_task_id(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(TASK_ID_INVALID, field="id") from None


def rank_push(
    scheduler: Scheduler, organisation: str, validated: ValidatedData, now: datetime.datetime, hints: dict[str, Any]
) -> int:
    if "last_run_at" not in hints:
        # Scheduling from a mutation has just looked it up and passes it among the hints.
        hints = {**hints, "last_run_at": last_completed_at(scheduler_id=scheduler.pk, hash=validated.hash)}

    def queued_for_organisation() -> int:
        return Task.objects.filter(
            scheduler_id=scheduler.pk, organisation=organisation, status=TaskStatus.QUEUED
        ).count()

    request = RankRequest(
        scheduler_id=scheduler.pk,
        task_type=scheduler.type,
        organisation=organisation,
        data=validated.data,
        now=now,
        queued_for_organisation=queued_for_organisation,
        **hints,
    )
    return load_ranker(scheduler.ranker).rank(request)


def _check_room(scheduler_id: str) -> None:
    # Locking the scheduler row makes count-then-insert atomic among pushers: the next pusher
    # waits for this transaction and then counts what it committed. Pops never take this lock.
    scheduler = Scheduler.objects.select_for_update().get(pk=scheduler_id)
    if not scheduler.maxsize:
        return
    queued = Task.objects.filter(scheduler_id=scheduler_id, status=TaskStatus.QUEUED)
    if queued[: scheduler.maxsize].count() >= scheduler.maxsize:
        # Counting them all only when refusing: the queue may hold more than maxsize (lowered, or users' pushes).
        raise QueueFull(QUEUE_FULL.format(scheduler_id=scheduler_id, queued=queued.count(), maxsize=scheduler.maxsize))


def _schedule_for(
    scheduler: Scheduler, organisation: str, validated: ValidatedData, plugin: PluginInfo | None, now: datetime.datetime
) -> Schedule:
    candidate, known = schedule_candidate(scheduler, organisation, validated, plugin, now)
    schedule_id = get_store().upsert_schedule(candidate, interval_known=known)
    return Schedule(pk=schedule_id, scheduler_id=scheduler.pk, hash=validated.hash)


def schedule_candidate(
    scheduler: Scheduler,
    organisation: str,
    validated: ValidatedData,
    plugin: PluginInfo | None,
    now: datetime.datetime,
) -> tuple[Schedule, bool]:
    """The schedule a boefje task's first push creates, and whether its interval is the plugin's current one."""
    # Every boefje task belongs to the schedule of its hash, created on its first push.
    # The schedule keeps the work, not this task's id: each task it queues gets an id of its own.
    data = {key: value for key, value in validated.data.items() if key != "id"}
    # The plugin's interval and cron go with it, so finishing its task needs nothing but the schedule. Scheduling
    # from an event knows the plugin; other pushes ask the catalogue.
    timing = plugin_timing(data, plugin=plugin)
    candidate = Schedule(
        scheduler_id=scheduler.pk,
        organisation=organisation,
        hash=validated.hash,
        data=data,
        interval=timing.interval,
        schedule=timing.cron,
        created_at=now,
        modified_at=now,
    )
    return candidate, timing.known


def _insert_or_merge(scheduler: Scheduler, task: Task, *, actor: str, reason: str, room_checked: bool) -> Task:
    for _attempt in range(_INSERT_TRIES):
        if _insert(task, actor=actor, reason=reason, room_checked=room_checked):
            publish_queue_state(task)
            count_on_commit(TASKS_PUSHED, scheduler=task.scheduler_id)
            return task
        with transaction.atomic():
            existing = _conflicting_task(scheduler, task)
            if existing is None:
                continue
            if existing.status != TaskStatus.QUEUED:
                raise DuplicateTask(DUPLICATE_ACTIVE) from None
            merged = _merge_duplicate(scheduler, existing, task, actor=actor)
            if merged is None:
                raise DuplicateTask(DUPLICATE_QUEUED.format(scheduler_id=scheduler.pk)) from None
            if merged is existing:
                return merged
            task = merged
    raise DuplicateTask(DUPLICATE_QUEUED.format(scheduler_id=scheduler.pk))


def _insert(task: Task, *, actor: str, reason: str, room_checked: bool) -> bool:
    """Insert the task with its history row; False when a unique index refused it."""
    outcome = get_store().insert(task, actor=actor, room_checked=room_checked, reason=reason)
    if outcome is InsertOutcome.BOUNDED:
        raise _NowBounded
    return outcome is InsertOutcome.INSERTED


def _conflicting_task(scheduler: Scheduler, task: Task) -> Task | None:
    if Task.objects.filter(pk=task.pk).exists():
        raise DuplicateTask(DUPLICATE_ID.format(task_id=task.pk))
    queued = (
        Task.objects.select_for_update()
        .filter(scheduler_id=scheduler.pk, hash=task.hash, status=TaskStatus.QUEUED)
        .first()
    )
    if queued is not None:
        return queued
    if task.schedule_id is not None:
        return Task.objects.filter(
            schedule_id=task.schedule_id, status__in=[TaskStatus.DISPATCHED, TaskStatus.RUNNING]
        ).first()
    return None


def _merge_duplicate(scheduler: Scheduler, existing: Task, new: Task, *, actor: str) -> Task | None:
    """Apply the scheduler's dedup flags; None when the duplicate must be refused."""
    now = new.created_at
    store = get_store()
    if scheduler.allow_replace:
        # The queued task steps aside (cancelled, with the reason) and the new one is inserted.
        store.replace_queued(existing, replaced_by=new.pk, now=now, actor=actor)
        publish_queue_state(existing)
        return new
    if not (scheduler.allow_updates or scheduler.allow_priority_updates):
        return None
    data = new.data if scheduler.allow_updates else None
    priority_changed = store.update_queued(
        existing, priority=new.priority, data=data, deduplication_key=new.deduplication_key, now=now, actor=actor
    )
    if priority_changed:
        publish_queue_state(existing)
    return existing
