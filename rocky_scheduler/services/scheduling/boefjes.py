"""Boefje tasks from scan-profile mutations (DESIGN.md "Scheduling")."""

import datetime
from collections.abc import Callable

from django.db import transaction

from rocky_scheduler.catalogue import Catalogue, OOIInfo, PluginInfo, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import DuplicateTask, QueueFull
from rocky_scheduler.hashing import digest
from rocky_scheduler.messages import ScanProfileMutation
from rocky_scheduler.models import Task, TaskStatus, TaskType
from rocky_scheduler.selectors import boefje_run_state
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.scheduling.object_confirm import OOIConfirmation
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome
from rocky_scheduler.services.scheduling.rescheduling import ACTOR as RESCHEDULER
from rocky_scheduler.services.task_push import task_push
from rocky_scheduler.services.task_transition import task_cancel

SKIP_LEVEL = "plugin scan level {plugin_level} is above the object's level {ooi_level}"
SKIP_RECENT = "ran within its interval"
SKIP_ACTIVE = "already queued or running"
SKIP_FULL = "queue full"
SKIP_HELD = "its schedule is disabled or de-scheduled"
CANCEL_REASON = "object deleted"
ACTOR = "system:scan-profile-mutation"


def boefje_task_data(plugin: PluginInfo, ooi: OOIInfo) -> dict:
    return {"boefje": plugin.as_task_ref(), "input_ooi": ooi.primary_key, "organization": ooi.organisation}


def boefje_hash(plugin_id: str, ooi: OOIInfo) -> str:
    return digest(f"{ooi.primary_key}-{plugin_id}-{ooi.organisation}")


def ran_recently(*, plugin: PluginInfo, last_run_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    window = plugin.interval or datetime.timedelta(seconds=app_settings.GRACE_PERIOD_SECONDS)
    return last_run_at is not None and last_run_at > now - window


def boefje_schedule(
    *,
    plugin: PluginInfo,
    ooi: OOIInfo,
    outcome: SchedulingOutcome,
    actor: str,
    now: datetime.datetime,
    clock: Clock,
    before_push: Callable[[], None] | None = None,
) -> None:
    """Queue `plugin` on `ooi` unless a rule says not to; record the reason when it does.

    `before_push` runs when every rule allows the task, just before it is queued (an event's object is
    confirmed there; it raises to queue nothing).
    """
    if ooi.scan_level < 1:
        return
    if plugin.scan_level > ooi.scan_level:
        outcome.skip(plugin.id, SKIP_LEVEL.format(plugin_level=plugin.scan_level, ooi_level=ooi.scan_level))
        return
    # One look-up answers "ran within its interval?", the ranker's "when did it last run?" and "held off?".
    last_run_at, held = boefje_run_state(
        scheduler_id=TaskType.BOEFJE, hash=boefje_hash(plugin.id, ooi), automatic_actor=RESCHEDULER
    )
    if held:
        # A person switched it off, or the boefje said it will never give results: no event overrides that.
        outcome.skip(plugin.id, SKIP_HELD, ooi=ooi.primary_key)
        return
    if ran_recently(plugin=plugin, last_run_at=last_run_at, now=now):
        outcome.skip(plugin.id, SKIP_RECENT, ooi=ooi.primary_key)
        return
    if before_push is not None:
        before_push()
    try:
        task = task_push(
            scheduler_id=TaskType.BOEFJE,
            organisation=ooi.organisation,
            data=boefje_task_data(plugin, ooi),
            actor=actor,
            plugin=plugin,
            rank_hints={
                "interval": plugin.interval,
                "ooi_level": ooi.scan_level,
                "plugin_scan_level": plugin.scan_level,
                "last_run_at": last_run_at,
            },
            clock=clock,
        )
    except DuplicateTask:
        outcome.skip(plugin.id, SKIP_ACTIVE, ooi=ooi.primary_key)
    except QueueFull:
        outcome.skip(plugin.id, SKIP_FULL, ooi=ooi.primary_key)
    else:
        outcome.scheduled.append(str(task.id))


# No savepoint of its own: inside ingest_message's transaction it would be two more statements per message,
# and every refusal below it (duplicate, full queue) is already rolled back by its own savepoint.
@transaction.atomic(savepoint=False)
def boefjes_schedule_for_mutation(
    *, mutation: ScanProfileMutation, catalogue: Catalogue | None = None, clock: Clock = default_clock
) -> SchedulingOutcome:
    catalogue = catalogue or get_catalogue()
    outcome = SchedulingOutcome()
    if mutation.operation == "delete":
        catalogue.forget_ooi(organisation=mutation.organisation, primary_key=mutation.primary_key)
        queued = Task.objects.filter(
            scheduler_id=TaskType.BOEFJE,
            organisation=mutation.organisation,
            status=TaskStatus.QUEUED,
            data__input_ooi=mutation.primary_key,
        ).values_list("id", flat=True)
        for task_id in list(queued):
            task_cancel(task_id=task_id, actor=ACTOR, reason=CANCEL_REASON, clock=clock)
            outcome.cancelled += 1
        return outcome
    ooi = OOIInfo(
        organisation=mutation.organisation,
        primary_key=mutation.primary_key,
        object_type=mutation.object_type or "",
        scan_level=mutation.scan_level or 0,
    )
    catalogue.record_ooi(ooi)
    if ooi.scan_level < 1:
        return outcome
    now = clock()
    # The event may be ahead of Octopoes (OpenKAT #2488): confirmed once, before the first task is queued.
    confirm = OOIConfirmation(catalogue=catalogue, ooi=ooi)
    for plugin in catalogue.enabled_plugins(organisation=ooi.organisation, plugin_type=TaskType.BOEFJE):
        if ooi.object_type in plugin.consumes:
            boefje_schedule(
                plugin=plugin, ooi=ooi, outcome=outcome, actor=ACTOR, now=now, clock=clock, before_push=confirm
            )
    return outcome
