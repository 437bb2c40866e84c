"""Switching a plugin on or off for an organisation by hand (the admin), without blocking on big sets.

plugin_set_enabled schedules a newly enabled boefje for every object it may scan before it
returns. That is right for a handful of objects; for more than one batch the admin would wait
minutes, so the scheduling is handed to django-q2 (rocky_scheduler.jobs.plugin_schedule_everywhere)
and the switch itself commits at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.catalogue import Catalogue, PluginInfo, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import NotFound
from rocky_scheduler.models import Plugin, PluginEnablement, PluginType
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome
from rocky_scheduler.services.scheduling.plugins import plugin_set_enabled, plugin_switch

PLUGIN_NOT_FOUND = _("Plugin {plugin_id!r} does not exist.")
SCHEDULE_EVERYWHERE_JOB = "rocky_scheduler.jobs.plugin_schedule_everywhere"

Defer = Callable[[str, str], None]


def defer_to_cluster(organisation: str, plugin_id: str) -> None:
    from django_q.tasks import async_task

    async_task(SCHEDULE_EVERYWHERE_JOB, organisation, plugin_id)


@dataclass
class EnablementResult:
    enablement: PluginEnablement
    # Whether the switch changed anything (enabling an enabled plugin does not).
    changed: bool
    # What was scheduled before returning; None when the scheduling was handed to django-q2.
    outcome: SchedulingOutcome | None
    deferred: bool = False


def plugin_enablement_set(
    *,
    organisation: str,
    plugin_id: str,
    enabled: bool,
    inline_limit: int | None = None,
    catalogue: Catalogue | None = None,
    defer: Defer = defer_to_cluster,
) -> EnablementResult:
    """Enable or disable `plugin_id` for `organisation`; a boefje with more than `inline_limit`
    (default: one batch) objects to scan is scheduled in the background after commit."""
    plugin = Plugin.objects.filter(pk=plugin_id).first()
    if plugin is None:
        raise NotFound(PLUGIN_NOT_FOUND.format(plugin_id=plugin_id), field="plugin")
    was_enabled = PluginEnablement.objects.filter(
        organisation__code=organisation, plugin_id=plugin_id, enabled=True
    ).exists()
    limit = app_settings.BATCH_SIZE if inline_limit is None else inline_limit
    if enabled and not was_enabled and plugin.type == PluginType.BOEFJE:
        if more_objects_than(limit, organisation=organisation, plugin=plugin, catalogue=catalogue):
            return _enable_deferred(organisation=organisation, plugin=plugin, defer=defer)
    outcome = plugin_set_enabled(organisation=organisation, plugin_id=plugin_id, enabled=enabled, catalogue=catalogue)
    enablement = PluginEnablement.objects.select_related("organisation", "plugin").get(
        organisation__code=organisation, plugin_id=plugin_id
    )
    return EnablementResult(enablement=enablement, changed=was_enabled != enabled, outcome=outcome)


def more_objects_than(
    limit: int, *, organisation: str, plugin: Plugin | PluginInfo, catalogue: Catalogue | None
) -> bool:
    """Whether the boefje may scan more than `limit` of the organisation's objects (then it is scheduled in the
    background)."""
    # One batch of limit + 1 answers the question through the catalogue interface, whatever backs it.
    batches = (catalogue or get_catalogue()).oois_for_plugin(
        organisation=organisation,
        object_types=list(plugin.consumes or ()),
        min_level=plugin.scan_level,
        batch_size=limit + 1,
    )
    first = next(iter(batches), [])
    return len(first) > limit


def _enable_deferred(*, organisation: str, plugin: Plugin, defer: Defer) -> EnablementResult:
    # The same switch as plugin_set_enabled's, without its inline scheduling.
    with transaction.atomic():
        enablement, newly_enabled = plugin_switch(organisation=organisation, plugin=plugin, enabled=True)
        if newly_enabled:
            # After commit: the job must see the plugin enabled, or it would schedule nothing.
            transaction.on_commit(partial(defer, organisation, plugin.pk))
    return EnablementResult(enablement=enablement, changed=newly_enabled, outcome=None, deferred=newly_enabled)
