"""Recurring work: the next deadline of a schedule, and queueing every schedule that is due."""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.db import transaction

from rocky_scheduler.catalogue import Catalogue, OOIInfo, PluginInfo, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import DuplicateTask, InvalidInput, NotFound, QueueFull
from rocky_scheduler.models import Schedule, ScheduleEvent, TaskType
from rocky_scheduler.queue.store.deadlines import deadlines_clear, plugin_interval_refresh
from rocky_scheduler.services.common import Clock, default_clock
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


def schedule_due_push(
    *, clock: Clock = default_clock, catalogue: Catalogue | None = None, batch_size: int | None = None
) -> DueRunResult:
    """Queue every enabled schedule whose deadline has passed, oldest deadline first, with no cap.

    Each batch is one transaction that locks its schedules with SKIP LOCKED, so several clusters
    can run this at once without queueing a schedule twice; a crash loses at most the open batch,
    which the next run picks up because its deadlines were not moved.
    """
    run_catalogue = _RunCatalogue(catalogue or get_catalogue())
    batch_size = batch_size or app_settings.BATCH_SIZE
    result = DueRunResult()
    now = clock()
    while True:
        with transaction.atomic():
            due = list(
                Schedule.objects.select_for_update(skip_locked=True)
                .filter(enabled=True, deadline_at__lte=now)
                .order_by("deadline_at", "id")[:batch_size]
            )
            batch = _Batch(now)
            for schedule in due:
                _push_one(schedule, catalogue=run_catalogue, batch=batch, clock=clock, result=result)
            batch.flush()
        if len(due) < batch_size:
            return result


class _RunCatalogue:
    """Plugins and enablements change rarely: ask once per run, not once per schedule."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._plugins: dict[str, PluginInfo | None] = {}
        self._enabled: dict = {}

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
        return self.catalogue.ooi(organisation=organisation, primary_key=primary_key)


class _Batch:
    """Deadline changes and history of one batch, written together at its end."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.cleared: list[tuple] = []
        self.events: list[ScheduleEvent] = []

    def clear_deadline(self, schedule: Schedule) -> None:
        self.cleared.append((schedule.pk, schedule.deadline_at))

    def note(self, schedule: Schedule, kind: str, reason: str = "") -> None:
        self.events.append(ScheduleEvent(schedule=schedule, at=self.now, kind=kind, actor=ACTOR, reason=reason))

    def flush(self) -> None:
        # Cleared with their history rows: finishing the queued (or active) task sets the next deadline.
        deadlines_clear(self.cleared, now=self.now, actor=ACTOR, reason=REASON_RESCHEDULED)
        ScheduleEvent.objects.bulk_create(self.events)


def _push_one(
    schedule: Schedule, *, catalogue: "_RunCatalogue", batch: _Batch, clock: Clock, result: DueRunResult
) -> None:
    reason, hints = _why_not(schedule, catalogue)
    if reason:
        _disable(schedule, reason, batch)
        result.disabled += 1
        return
    if "interval" in hints and (hints["interval"] or None) != schedule.interval:
        # The catalogue's interval differs from the schedule's copy (a schedule from before migration 0012, or a
        # change no sync brought): copied now, so finishing this run uses it. Its deadline is cleared below anyway.
        plugin_interval_refresh(
            plugin_id=schedule.data["boefje"]["id"],
            interval=hints["interval"],
            now=batch.now,
            hash=schedule.hash,
            move_deadlines=False,
        )
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
        _disable(schedule, REASON_INVALID.format(error=error), batch)
        result.disabled += 1
        return
    batch.clear_deadline(schedule)
    batch.note(schedule, ScheduleEvent.Kind.QUEUED)
    result.queued += 1


def _why_not(schedule: Schedule, catalogue: "_RunCatalogue") -> tuple[str | None, dict]:
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


def _disable(schedule: Schedule, reason: str, batch: _Batch) -> None:
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False, modified_at=batch.now)
    batch.note(schedule, ScheduleEvent.Kind.DISABLED, reason)
