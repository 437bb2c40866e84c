"""Enabling a plugin for an organisation schedules it for every object it may scan; a plugin's interval reaches
its schedules."""

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from rocky_scheduler.catalogue import Catalogue, PluginInfo, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import Organisation, Plugin, PluginEnablement, PluginType, Schedule
from rocky_scheduler.queue.store.deadlines import plugin_interval_refresh
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.scheduling.boefjes import boefje_schedule
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome

ACTOR = "system:plugin-enabled"


def plugin_set_enabled(
    *,
    organisation: str,
    plugin_id: str,
    enabled: bool,
    catalogue: Catalogue | None = None,
    clock: Clock = default_clock,
) -> SchedulingOutcome:
    """Switch a plugin on or off for an organisation; switching a boefje on schedules it, batch by batch."""
    plugin = Plugin.objects.get(pk=plugin_id)
    _, newly_enabled = plugin_switch(organisation=organisation, plugin=plugin, enabled=enabled)
    outcome = SchedulingOutcome()
    if enabled and plugin.type == PluginType.BOEFJE:
        # Schedules from before the switch (parked, or made while the interval was another) take the current one.
        plugin_interval_apply(
            plugin_id=plugin_id, interval=plugin_interval(plugin), organisation=organisation, clock=clock
        )
    if newly_enabled and plugin.type == PluginType.BOEFJE:
        outcome = plugin_schedule_everywhere(
            organisation=organisation, plugin_id=plugin_id, catalogue=catalogue, clock=clock
        )
    return outcome


def plugin_interval(plugin: Plugin) -> datetime.timedelta | None:
    """The embedded catalogue's plugin interval (minutes there) as the schedules copy it; 0 or none: None."""
    return datetime.timedelta(minutes=plugin.interval) if plugin.interval else None


def plugin_interval_apply(
    *,
    plugin_id: str,
    interval: datetime.timedelta | None,
    organisation: str | None = None,
    clock: Clock = default_clock,
) -> int:
    """Copy a plugin's interval onto its schedules (every organisation's, or one's) whose copy differs; waiting
    schedules move their deadline by the difference, with a history row. The number of schedules changed.

    Called when the catalogue says the plugin changed: the embedded catalogue's plugin admin, a plugin event or the
    reconciliation with KATalogus. A push of a schedule's work copies the interval as well.
    """
    return plugin_interval_refresh(plugin_id=plugin_id, interval=interval, now=clock(), organisation=organisation)


def plugin_intervals_reconcile(
    *, organisation: str, plugins: Mapping[str, PluginInfo], clock: Clock = default_clock
) -> int:
    """Bring the organisation's boefje schedules' interval copies in line with `plugins` (the enabled ones, by id).

    KATalogus sends no event when a plugin's interval changes, so the reconciliation asks this each round: one
    scan of the organisation's distinct (plugin, interval) pairs, and a refresh only for a plugin that differs.
    """
    copies = Schedule.objects.filter(scheduler_id=PluginType.BOEFJE, organisation=organisation)
    changed = 0
    for plugin_id in sorted(
        {
            plugin_id
            for plugin_id, interval in copies.values_list("data__boefje__id", "interval").distinct()
            if plugin_id in plugins and interval != (plugins[plugin_id].interval or None)
        }
    ):
        changed += plugin_interval_apply(
            plugin_id=plugin_id, interval=plugins[plugin_id].interval, organisation=organisation, clock=clock
        )
    return changed


@transaction.atomic
def plugin_switch(*, organisation: str, plugin: Plugin, enabled: bool) -> tuple[PluginEnablement, bool]:
    """Only the switch (no scheduling): the enablement row, and whether this call newly enabled the plugin."""
    org, _ = Organisation.objects.get_or_create(code=organisation, defaults={"name": organisation})
    enablement, created = PluginEnablement.objects.select_for_update().get_or_create(
        organisation=org, plugin=plugin, defaults={"enabled": enabled}
    )
    newly_enabled = enabled and (created or not enablement.enabled)
    if not created and enablement.enabled != enabled:
        enablement.enabled = enabled
        enablement.modified_at = timezone.now()
        enablement.save(update_fields=["enabled", "modified_at"])
    return enablement, newly_enabled


def plugin_schedule_everywhere(
    *, organisation: str, plugin_id: str, catalogue: Catalogue | None = None, clock: Clock = default_clock
) -> SchedulingOutcome:
    catalogue = catalogue or get_catalogue()
    plugin = catalogue.plugin(plugin_id)
    outcome = SchedulingOutcome()
    if plugin is None:
        return outcome
    batches = catalogue.oois_for_plugin(
        organisation=organisation,
        object_types=plugin.consumes,
        min_level=plugin.scan_level,
        batch_size=app_settings.BATCH_SIZE,
    )
    for batch in batches:
        # One transaction per batch: a crash loses at most one batch of work, and a rerun redoes it
        # harmlessly (the hash dedup refuses what is already queued).
        with transaction.atomic():
            now = clock()
            for ooi in batch:
                boefje_schedule(plugin=plugin, ooi=ooi, outcome=outcome, actor=ACTOR, now=now, clock=clock)
    return outcome
