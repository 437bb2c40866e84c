"""A plugin's schedules follow its enablement in the catalogue (docs/architecture.md, "Plugin enablement:
a signal and a reconciliation").

`plugin_event_apply` handles one "plugin switched on/off for an organisation" event (the ingest API);
`plugins_reconcile` (plugin_reconcile.py) is the safety net for lost events, a bounded number of
organisations per run. Both end in `plugin_sync`, which acts only when the catalogue's answer differs
from what the scheduler last did (PluginSync), so the same event twice, or an event and then the
reconciliation, does the work once.

Switching on: the schedules this module (or the rescheduler, for the same reason) parked are enabled
again, and a newly enabled boefje is scheduled for every object it may scan, batch by batch, in the
background when there is more than one batch. Switching off: the plugin's enabled schedules of that
organisation are disabled, set-based; queued and running tasks are left alone.
"""

import datetime
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.catalogue import Catalogue, PluginInfo, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import InvalidInput, NotFound
from rocky_scheduler.models import PluginSync, Schedule, ScheduleEvent, TaskType
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.plugin_enablement import Defer, defer_to_cluster, more_objects_than
from rocky_scheduler.services.scheduling.plugins import (
    plugin_interval_apply,
    plugin_schedule_everywhere,
)
from rocky_scheduler.services.scheduling.rescheduling import ACTOR as RESCHEDULER
from rocky_scheduler.services.scheduling.rescheduling import REASON_PLUGIN_DISABLED

logger = logging.getLogger(__name__)

ACTOR = "system:plugin-enablement"
REASON_ENABLED = "plugin {plugin!r} is enabled for {organisation!r} again"
PLUGIN_NOT_FOUND = _("Plugin {plugin_id!r} does not exist in the catalogue.")
BODY_NOT_OBJECT = _('Send one JSON object: {"organisation": str, "plugin_id": str, "enabled": bool}.')
FIELD_MISSING = _("{name} is required.")
FIELD_NOT_TEXT = _("{name} must be a non-empty string of at most 255 characters.")
ENABLED_NOT_BOOL = _("enabled must be true or false.")


@dataclass(frozen=True)
class PluginEvent:
    organisation: str
    plugin_id: str
    enabled: bool


def parse_plugin_event(payload: Any) -> PluginEvent:
    """The event as the ingest API takes it; InvalidInput names the first thing wrong."""
    if not isinstance(payload, dict):
        raise InvalidInput(BODY_NOT_OBJECT, field="body")
    for name in ("organisation", "plugin_id"):
        if name not in payload:
            raise InvalidInput(FIELD_MISSING.format(name=name), field=name)
        value = payload[name]
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise InvalidInput(FIELD_NOT_TEXT.format(name=name), field=name)
    if "enabled" not in payload:
        raise InvalidInput(FIELD_MISSING.format(name="enabled"), field="enabled")
    if not isinstance(payload["enabled"], bool):
        raise InvalidInput(ENABLED_NOT_BOOL, field="enabled")
    return PluginEvent(organisation=payload["organisation"], plugin_id=payload["plugin_id"], enabled=payload["enabled"])


@dataclass
class PluginSyncResult:
    organisation: str
    plugin_id: str
    # What the catalogue says now (for the OpenKAT catalogue KATalogus decides, not the event).
    enabled: bool
    # Whether this differed from what the scheduler last acted on (False: a repeated event, no work done).
    changed: bool = False
    schedules_enabled: int = 0
    schedules_disabled: int = 0
    # Tasks queued before returning; the rest, when `deferred`, by a background job.
    scheduled: int = 0
    deferred: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def plugin_event_apply(
    *, event: PluginEvent, catalogue: Catalogue | None = None, defer: Defer = defer_to_cluster
) -> PluginSyncResult:
    """Bring the plugin's schedules of the organisation in line with the catalogue after an event said it
    changed. Raises NotFound for a plugin the catalogue does not know, CatalogueUnavailable."""
    catalogue = catalogue or get_catalogue()
    # First forget the cached answer: the event says it is stale.
    catalogue.plugins_changed(event.organisation)
    plugin = catalogue.plugin(event.plugin_id)
    if plugin is None:
        raise NotFound(PLUGIN_NOT_FOUND.format(plugin_id=event.plugin_id), field="plugin_id")
    catalogue.record_plugin_enabled(organisation=event.organisation, plugin_id=plugin.id, enabled=event.enabled)
    enabled = catalogue.plugin_enabled(organisation=event.organisation, plugin_id=plugin.id)
    return plugin_sync(
        organisation=event.organisation, plugin=plugin, enabled=enabled, catalogue=catalogue, defer=defer
    )


def plugin_sync(
    *,
    organisation: str,
    plugin: PluginInfo | str,
    enabled: bool,
    catalogue: Catalogue | None = None,
    defer: Defer = defer_to_cluster,
    clock: Clock = default_clock,
) -> PluginSyncResult:
    """Act on `enabled` for (organisation, plugin) unless the scheduler already did.

    `plugin` is the catalogue's plugin, or only its id when switching off a plugin the catalogue may
    no longer list. Normalizers have no schedules (a raw file schedules them): nothing to do.
    """
    plugin_id = plugin if isinstance(plugin, str) else plugin.id
    result = PluginSyncResult(organisation=organisation, plugin_id=plugin_id, enabled=enabled)
    if isinstance(plugin, PluginInfo) and plugin.type != TaskType.BOEFJE:
        return result
    now = clock()
    result.changed = _record_sync(organisation=organisation, plugin_id=plugin_id, enabled=enabled, now=now)
    if not enabled:
        result.schedules_disabled = _schedules_switch(_enabled_schedules(organisation, plugin_id), False, now)
        return result
    if isinstance(plugin, PluginInfo):  # its schedules take the interval the catalogue gives now
        plugin_interval_apply(plugin_id=plugin_id, interval=plugin.interval, organisation=organisation, clock=clock)
    result.schedules_enabled = _schedules_switch(_parked_schedules(organisation, plugin_id), True, now)
    if result.changed and isinstance(plugin, PluginInfo):
        catalogue = catalogue or get_catalogue()
        if more_objects_than(app_settings.BATCH_SIZE, organisation=organisation, plugin=plugin, catalogue=catalogue):
            # After commit: the job must find the switch recorded (on_commit runs at once outside a transaction).
            transaction.on_commit(lambda: defer(organisation, plugin_id))
            result.deferred = True
        else:
            outcome = plugin_schedule_everywhere(
                organisation=organisation, plugin_id=plugin_id, catalogue=catalogue, clock=clock
            )
            result.scheduled = len(outcome.scheduled)
    return result


def _record_sync(*, organisation: str, plugin_id: str, enabled: bool, now: datetime.datetime) -> bool:
    """Record what the scheduler acts on; False when it already had (the event or reconciliation repeats)."""
    with transaction.atomic():
        state, created = PluginSync.objects.select_for_update().get_or_create(
            organisation=organisation, plugin_id=plugin_id, defaults={"enabled": enabled, "modified_at": now}
        )
        if created:
            return True
        if state.enabled == enabled:
            return False
        state.enabled = enabled
        state.modified_at = now
        state.save(update_fields=["enabled", "modified_at"])
        return True


def _plugin_schedules(organisation: str, plugin_id: str) -> QuerySet:
    # The (scheduler, organisation) index narrows it to one organisation's boefje schedules.
    return Schedule.objects.filter(scheduler_id=TaskType.BOEFJE, organisation=organisation, data__boefje__id=plugin_id)


def _enabled_schedules(organisation: str, plugin_id: str) -> QuerySet:
    return _plugin_schedules(organisation, plugin_id).filter(enabled=True)


def _parked(queryset: QuerySet) -> QuerySet:
    """Disabled because the plugin was switched off (by this module, or by the rescheduler when it found the
    plugin disabled or gone: its reasons about the plugin start so), not by a person and not de-scheduled
    by its boefje: those stay off."""
    last_disable = ScheduleEvent.objects.filter(schedule=OuterRef("pk"), kind=ScheduleEvent.Kind.DISABLED).order_by(
        "-at", "-id"
    )
    return (
        queryset.filter(enabled=False, descheduled_at__isnull=True)
        .annotate(
            last_actor=Subquery(last_disable.values("actor")[:1]),
            last_reason=Subquery(last_disable.values("reason")[:1]),
        )
        .filter(Q(last_actor=ACTOR) | Q(last_actor=RESCHEDULER, last_reason__startswith="plugin "))
    )


def _parked_schedules(organisation: str, plugin_id: str) -> QuerySet:
    return _parked(_plugin_schedules(organisation, plugin_id))


def _schedules_switch(queryset: QuerySet, enabled: bool, now: datetime.datetime) -> int:
    """Enable or disable every schedule of `queryset`, BATCH_SIZE per transaction, with one history row each."""
    kind = ScheduleEvent.Kind.ENABLED if enabled else ScheduleEvent.Kind.DISABLED
    switched = 0
    while True:
        with transaction.atomic():
            rows = list(queryset.values_list("pk", "organisation", "data__boefje__id")[: app_settings.BATCH_SIZE])
            ids = [row[0] for row in rows]
            # The filter on `enabled` again: a schedule switched by someone else since the read stays as they left it.
            locked = Schedule.objects.select_for_update().filter(pk__in=ids, enabled=not enabled)
            locked_ids = set(locked.values_list("pk", flat=True))
            if not locked_ids:
                return switched
            Schedule.objects.filter(pk__in=locked_ids).update(enabled=enabled, modified_at=now)
            template = REASON_ENABLED if enabled else REASON_PLUGIN_DISABLED
            ScheduleEvent.objects.bulk_create(
                ScheduleEvent(
                    schedule_id=pk,
                    at=now,
                    kind=kind,
                    actor=ACTOR,
                    reason=template.format(plugin=plugin_id, organisation=organisation),
                )
                for pk, organisation, plugin_id in rows
                if pk in locked_ids
            )
        switched += len(locked_ids)
