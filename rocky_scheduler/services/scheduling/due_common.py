"""What both rescheduling paths share: the reasons, the run's catalogue, a batch's writes, one schedule at a time.

The set path (due_batch.py) queues a batch with a few statements; the per-schedule path here (`push_one`, through
`task_push`) takes what it leaves: schedulers that push deduplication groups, and tasks a unique index refused.
"""

import datetime
import logging
import uuid
from dataclasses import dataclass

from rocky_scheduler.catalogue import Catalogue, OOIInfo, PluginInfo
from rocky_scheduler.errors import DuplicateTask, InvalidInput, NotFound, QueueFull
from rocky_scheduler.models import Schedule, ScheduleEvent, TaskType
from rocky_scheduler.queue.store.deadlines import deadlines_clear, plugin_interval_refresh
from rocky_scheduler.queue.store.schedule_events import EventRow, schedule_events_insert
from rocky_scheduler.services.common import Clock
from rocky_scheduler.services.task_push import task_push

logger = logging.getLogger(__name__)

ACTOR = "system:rescheduler"
REASON_OOI_GONE = "the object {ooi!r} no longer exists"
REASON_LEVEL = "the object's scan level {ooi_level} is below the plugin's {plugin_level}"
REASON_PLUGIN_DISABLED = "plugin {plugin!r} is not enabled for {organisation!r}"
REASON_PLUGIN_GONE = "plugin {plugin!r} does not exist"
REASON_INVALID = "its data is no longer valid: {error}"
REASON_ACTIVE = "a task of this schedule is still active"
REASON_RESCHEDULED = "rescheduled: its work is queued or active"


@dataclass
class DueRunResult:
    queued: int = 0
    disabled: int = 0
    skipped: int = 0
    # Batches that held schedules, and the longest one's transaction (its row locks are held that long).
    batches: int = 0
    longest_batch_seconds: float = 0.0
    # The run stopped at RESCHEDULE_RUN_SECONDS with schedules still due: the next run takes them.
    stopped_early: bool = False


class RunCatalogue:
    """Plugins and enablements change rarely: ask once per run, not once per schedule. A batch's enablements and
    objects are read together first (`prefetch`), so the checks of its schedules ask nothing more."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._plugins: dict = {}
        self._enabled: dict = {}
        self._oois: dict[tuple[str, str], OOIInfo | None] = {}

    def prefetch(self, schedules: list[Schedule]) -> None:
        """Read the enablements and objects the boefje schedules of a batch will ask about, as two sets."""
        pairs, keys = set(), set()
        for schedule in schedules:
            data = schedule.data if isinstance(schedule.data, dict) else {}
            plugin_id = (data.get("boefje") or {}).get("id") if schedule.scheduler_id == TaskType.BOEFJE else None
            if not isinstance(plugin_id, str):
                continue
            pairs.add((schedule.organisation, plugin_id))
            if isinstance(data.get("input_ooi"), str):
                keys.add((schedule.organisation, data["input_ooi"]))
        pairs -= self._enabled.keys()
        if pairs:
            enabled = self.catalogue.enabled_pairs(pairs)
            self._enabled.update((pair, pair in enabled) for pair in pairs)
        # Objects change all the time: kept for this batch only.
        found = self.catalogue.oois_many(keys) if keys else {}
        self._oois = {key: found.get(key) for key in keys}

    def plugin(self, plugin_id: str) -> PluginInfo | None:
        if plugin_id not in self._plugins:
            self._plugins[plugin_id] = self.catalogue.plugin(plugin_id)
        return self._plugins[plugin_id]

    def plugin_enabled(self, *, organisation: str, plugin_id: str) -> bool:
        key = (organisation, plugin_id)
        if key not in self._enabled:
            self._enabled[key] = self.catalogue.plugin_enabled(organisation=organisation, plugin_id=plugin_id)
        return self._enabled[key]

    def ooi(self, *, organisation: str, primary_key: str) -> OOIInfo | None:
        key = (organisation, primary_key)
        if key in self._oois:
            return self._oois[key]
        return self.catalogue.ooi(organisation=organisation, primary_key=primary_key)


class Batch:
    """Deadline changes and history of one batch, written together at its end."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.cleared: list[tuple] = []
        self.events: list[EventRow] = []
        self.disabled: list = []
        # Queued by the set path, whose statement wrote their schedules' deadlines and history itself.
        self.queued = 0

    def clear_deadline(self, schedule: Schedule) -> None:
        self.cleared.append((schedule.pk, schedule.deadline_at))

    def note(self, schedule: Schedule, kind: str, reason: str = "") -> None:
        self.events.append(EventRow(schedule.pk, self.now, kind, ACTOR, reason))

    def disable(self, schedule: Schedule, reason: str) -> None:
        self.disabled.append(schedule.pk)
        self.note(schedule, ScheduleEvent.Kind.DISABLED, reason)

    def flush(self) -> None:
        # Cleared with their history rows: finishing the queued (or active) task sets the next deadline.
        deadlines_clear(self.cleared, now=self.now, actor=ACTOR, reason=REASON_RESCHEDULED)
        if self.disabled:
            Schedule.objects.filter(pk__in=self.disabled).update(enabled=False, modified_at=self.now)
        schedule_events_insert(self.events)


def push_one(schedule: Schedule, *, catalogue: RunCatalogue, batch: Batch, clock: Clock, result: DueRunResult) -> None:
    """Queue one due schedule through `task_push`, or disable or skip it with its history row."""
    reason, hints = why_not(schedule, catalogue)
    if reason:
        batch.disable(schedule, reason)
        result.disabled += 1
        return
    interval_refresh(schedule, hints, now=batch.now)
    try:
        task_push(
            scheduler_id=schedule.scheduler_id,
            organisation=schedule.organisation,
            data=schedule.data,
            # A fresh id: the schedule's data may still carry the id of an earlier task of its own.
            task_id=uuid.uuid4(),
            actor=ACTOR,
            rank_hints=hints,
            schedule=schedule,
            clock=clock,
        )
    except DuplicateTask:
        # Finishing the active task sets the next deadline; until then this schedule is not due.
        batch.note(schedule, ScheduleEvent.Kind.SKIPPED, REASON_ACTIVE)
        batch.clear_deadline(schedule)
        result.skipped += 1
        return
    except QueueFull:
        # Leave the deadline: the next run tries again.
        result.skipped += 1
        return
    except (InvalidInput, NotFound) as error:
        batch.disable(schedule, REASON_INVALID.format(error=error))
        result.disabled += 1
        return
    batch.clear_deadline(schedule)
    batch.note(schedule, ScheduleEvent.Kind.QUEUED)
    result.queued += 1


def interval_refresh(schedule: Schedule, hints: dict, *, now: datetime.datetime) -> None:
    if "interval" in hints and (hints["interval"] or None) != schedule.interval:
        # The catalogue's interval differs from the schedule's copy (a schedule from before migration 0012, or a
        # change no sync brought): copied now, so finishing this run uses it. Its deadline is cleared anyway.
        plugin_interval_refresh(
            plugin_id=schedule.data["boefje"]["id"],
            interval=hints["interval"],
            now=now,
            hash=schedule.hash,
            move_deadlines=False,
        )


def why_not(schedule: Schedule, catalogue: RunCatalogue) -> tuple[str | None, dict]:
    """Why the due schedule must be disabled (None: it may run), and the ranker's hints when it may."""
    if schedule.scheduler_id != TaskType.BOEFJE:
        return None, {}
    data = schedule.data if isinstance(schedule.data, dict) else {}
    plugin_id = (data.get("boefje") or {}).get("id")
    ooi_key = data.get("input_ooi")
    plugin = catalogue.plugin(plugin_id) if plugin_id else None
    if plugin is None:
        return REASON_PLUGIN_GONE.format(plugin=plugin_id), {}
    if not catalogue.plugin_enabled(organisation=schedule.organisation, plugin_id=plugin.id):
        return REASON_PLUGIN_DISABLED.format(plugin=plugin.id, organisation=schedule.organisation), {}
    hints = {"interval": plugin.interval, "plugin_scan_level": plugin.scan_level}
    if ooi_key:
        ooi = catalogue.ooi(organisation=schedule.organisation, primary_key=ooi_key)
        if ooi is None:
            return REASON_OOI_GONE.format(ooi=ooi_key), {}
        if ooi.scan_level < max(plugin.scan_level, 1):
            return REASON_LEVEL.format(ooi_level=ooi.scan_level, plugin_level=plugin.scan_level), {}
        hints["ooi_level"] = ooi.scan_level
    return None, hints
