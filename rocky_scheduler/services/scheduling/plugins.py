"""Enabling a plugin for an organisation schedules it for every object it may scan."""

from django.db import transaction
from django.utils import timezone

from rocky_scheduler.catalogue import Catalogue, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import Organisation, Plugin, PluginEnablement, PluginType
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
    with transaction.atomic():
        org, _ = Organisation.objects.get_or_create(code=organisation, defaults={"name": organisation})
        plugin = Plugin.objects.get(pk=plugin_id)
        enablement, created = PluginEnablement.objects.select_for_update().get_or_create(
            organisation=org, plugin=plugin, defaults={"enabled": enabled}
        )
        newly_enabled = enabled and (created or not enablement.enabled)
        if not created and enablement.enabled != enabled:
            enablement.enabled = enabled
            enablement.modified_at = timezone.now()
            enablement.save(update_fields=["enabled", "modified_at"])
    outcome = SchedulingOutcome()
    if newly_enabled and plugin.type == PluginType.BOEFJE:
        outcome = plugin_schedule_everywhere(
            organisation=organisation, plugin_id=plugin_id, catalogue=catalogue, clock=clock
        )
    return outcome


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
