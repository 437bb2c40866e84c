"""The safety net for lost plugin events: each run compares a bounded number of organisations' enabled boefjes
in the catalogue with their schedules, round-robin, and brings what differs in line through `plugin_sync`."""

import logging
from bisect import bisect_right
from dataclasses import dataclass, field

from django.db import transaction

from rocky_scheduler.catalogue import Catalogue, CatalogueUnavailable, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import JobCursor, PluginSync, Schedule, TaskType
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.plugin_enablement import Defer, defer_to_cluster
from rocky_scheduler.services.scheduling.plugin_sync import PluginSyncResult, _parked, plugin_sync
from rocky_scheduler.services.scheduling.plugins import plugin_intervals_reconcile

logger = logging.getLogger(__name__)

RECONCILE_CURSOR = "plugin-reconcile"


@dataclass
class ReconcileResult:
    organisations: list[str] = field(default_factory=list)
    # (organisation, plugin) pairs found out of step and brought in line.
    enabled: int = 0
    disabled: int = 0
    schedules_enabled: int = 0
    schedules_disabled: int = 0
    scheduled: int = 0
    deferred: int = 0
    # Organisations whose catalogue did not answer: visited again next round.
    failed: list[str] = field(default_factory=list)

    def add(self, sync: PluginSyncResult) -> None:
        self.schedules_enabled += sync.schedules_enabled
        self.schedules_disabled += sync.schedules_disabled
        self.scheduled += sync.scheduled
        self.deferred += int(sync.deferred)


def plugins_reconcile(
    *,
    limit: int | None = None,
    catalogue: Catalogue | None = None,
    defer: Defer = defer_to_cluster,
    clock: Clock = default_clock,
) -> ReconcileResult:
    """Compare the next `limit` organisations' enabled boefjes (PLUGIN_RECONCILE_ORGANISATIONS) with their
    schedules and fix what differs: an event that was lost is caught up within one round.

    The organisations are taken round-robin after a persisted cursor, which moves before the work is
    done: overlapping runs take different organisations, and a run that dies costs its organisations
    one round's wait, never a stuck cursor.
    """
    catalogue = catalogue or get_catalogue()
    limit = limit or app_settings.PLUGIN_RECONCILE_ORGANISATIONS
    result = ReconcileResult()
    try:
        organisations = catalogue.organisations()
    except CatalogueUnavailable as error:
        logger.warning("plugin reconciliation skipped: %s", error)
        return result
    result.organisations = _next_round(organisations, limit=limit, clock=clock)
    for organisation in result.organisations:
        try:
            _reconcile_organisation(organisation, catalogue=catalogue, defer=defer, clock=clock, result=result)
        except CatalogueUnavailable as error:
            logger.warning("plugin reconciliation of %s skipped: %s", organisation, error)
            result.failed.append(organisation)
    return result


def _next_round(organisations: list[str], *, limit: int, clock: Clock) -> list[str]:
    with transaction.atomic():
        cursor, _ = JobCursor.objects.select_for_update().get_or_create(name=RECONCILE_CURSOR)
        ordered = sorted(organisations)
        start = bisect_right(ordered, cursor.position)
        chosen = (ordered[start:] + ordered[:start])[:limit]
        if chosen:
            cursor.position = chosen[-1]
            cursor.modified_at = clock()
            cursor.save(update_fields=["position", "modified_at"])
    return chosen


def _reconcile_organisation(
    organisation: str, *, catalogue: Catalogue, defer: Defer, clock: Clock, result: ReconcileResult
) -> None:
    # Asked afresh: a cached answer is what could have hidden the change.
    catalogue.plugins_changed(organisation)
    enabled = {
        plugin.id: plugin
        for plugin in catalogue.enabled_plugins(organisation=organisation, plugin_type=TaskType.BOEFJE)
    }
    synced = dict(PluginSync.objects.filter(organisation=organisation).values_list("plugin_id", "enabled"))
    boefje_schedules = Schedule.objects.filter(scheduler_id=TaskType.BOEFJE, organisation=organisation)
    scheduled = set(boefje_schedules.filter(enabled=True).values_list("data__boefje__id", flat=True).distinct())
    parked = set(_parked(boefje_schedules).values_list("data__boefje__id", flat=True).distinct())
    plugin_intervals_reconcile(organisation=organisation, plugins=enabled, clock=clock)
    for plugin_id, plugin in sorted(enabled.items()):
        if synced.get(plugin_id) is not True or plugin_id in parked:
            sync = plugin_sync(
                organisation=organisation, plugin=plugin, enabled=True, catalogue=catalogue, defer=defer, clock=clock
            )
            result.enabled += int(sync.changed or sync.schedules_enabled > 0)
            result.add(sync)
    stale = ({plugin_id for plugin_id, on in synced.items() if on} | scheduled) - set(enabled)
    for plugin_id in sorted(stale):
        sync = plugin_sync(organisation=organisation, plugin=plugin_id, enabled=False, catalogue=catalogue, clock=clock)
        result.disabled += int(sync.changed or sync.schedules_disabled > 0)
        result.add(sync)
