"""The embedded, model-backed catalogue (organisations, plugins, enablement, OOI projection)."""

import time
from collections.abc import Iterable, Iterator, Sequence

from django.utils import timezone

from rocky_scheduler.catalogue import statements
from rocky_scheduler.catalogue.base import Catalogue, OOIInfo, PluginInfo
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement


def _plugin_info(plugin: Plugin) -> PluginInfo:
    return statements.plugin_info(
        plugin.id,
        plugin.type,
        plugin.name,
        plugin.version,
        plugin.oci_image,
        plugin.scan_level,
        plugin.consumes,
        plugin.interval,
        plugin.cron,
        plugin.produces,
        plugin.run_on,
    )


def _ooi_info(ooi: OOI, organisation: str) -> OOIInfo:
    return OOIInfo(
        organisation=organisation, primary_key=ooi.primary_key, object_type=ooi.object_type, scan_level=ooi.scan_level
    )


class EmbeddedCatalogue(Catalogue):
    """Reads the catalogue models. Plugin definitions are cached for PLUGIN_CACHE_SECONDS per process:
    every completed task asks for its plugin's interval, and plugins change rarely."""

    def __init__(self) -> None:
        self._plugins: dict[str, tuple[float, PluginInfo | None]] = {}

    def clear_cache(self) -> None:
        self._plugins.clear()

    def enabled_plugins(self, *, organisation: str, plugin_type: str) -> list[PluginInfo]:
        if statements.is_postgresql():
            return statements.enabled_plugins(organisation=organisation, plugin_type=plugin_type)
        plugins = Plugin.objects.filter(
            type=plugin_type, enablements__organisation__code=organisation, enablements__enabled=True
        ).order_by("id")
        return [_plugin_info(plugin) for plugin in plugins]

    def plugin(self, plugin_id: str) -> PluginInfo | None:
        cached = self._plugins.get(plugin_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < app_settings.PLUGIN_CACHE_SECONDS:
            return cached[1]
        plugin = Plugin.objects.filter(pk=plugin_id).first()
        info = _plugin_info(plugin) if plugin else None
        self._plugins[plugin_id] = (now, info)
        return info

    def plugin_enabled(self, *, organisation: str, plugin_id: str) -> bool:
        return PluginEnablement.objects.filter(
            organisation__code=organisation, plugin_id=plugin_id, enabled=True
        ).exists()

    def organisations(self) -> list[str]:
        return list(Organisation.objects.order_by("code").values_list("code", flat=True))

    def record_plugin_enabled(self, *, organisation: str, plugin_id: str, enabled: bool) -> None:
        # These tables are the truth here: the event is the switch (as the admin's), not a hint to ask again.
        org, _ = Organisation.objects.get_or_create(code=organisation, defaults={"name": organisation})
        PluginEnablement.objects.update_or_create(
            organisation=org, plugin_id=plugin_id, defaults={"enabled": enabled, "modified_at": timezone.now()}
        )

    def ooi(self, *, organisation: str, primary_key: str) -> OOIInfo | None:
        ooi = OOI.objects.filter(organisation__code=organisation, primary_key=primary_key).first()
        return _ooi_info(ooi, organisation) if ooi else None

    def enabled_pairs(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        pairs = set(pairs)
        if not pairs:
            return set()
        # One query for the batch: the few organisations and plugins it names, then the pairs kept here.
        rows = PluginEnablement.objects.filter(
            enabled=True,
            organisation__code__in={code for code, _ in pairs},
            plugin_id__in={plugin_id for _, plugin_id in pairs},
        ).values_list("organisation__code", "plugin_id")
        return pairs.intersection(rows)

    def oois_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], OOIInfo]:
        keys = set(keys)
        if not keys:
            return {}
        # Both sets in SQL (an object shared by many organisations comes back once per organisation asked for),
        # the exact pairs kept here.
        rows = OOI.objects.filter(
            organisation__code__in={code for code, _ in keys}, primary_key__in={primary_key for _, primary_key in keys}
        ).values_list("organisation__code", "primary_key", "object_type", "scan_level")
        return {
            (code, primary_key): OOIInfo(
                organisation=code, primary_key=primary_key, object_type=object_type, scan_level=scan_level
            )
            for code, primary_key, object_type, scan_level in rows
            if (code, primary_key) in keys
        }

    def organisations_holding(self, *, primary_key: str, plugin_id: str, min_level: int) -> list[str]:
        # The embedded catalogue keeps no per-organisation plugin settings, so every enabled one runs it alike.
        enabled = PluginEnablement.objects.filter(plugin_id=plugin_id, enabled=True).values("organisation_id")
        return list(
            OOI.objects.filter(
                primary_key=primary_key, scan_level__gte=max(min_level, 1), organisation_id__in=enabled
            ).values_list("organisation__code", flat=True)
        )

    def record_ooi(self, ooi: OOIInfo) -> OOIInfo | None:
        if statements.is_postgresql():
            try:
                return statements.ooi_upsert(ooi, now=timezone.now())
            except statements.UnknownOrganisation:
                # Organisations appear with their first object: Octopoes knows them before we do.
                Organisation.objects.get_or_create(code=ooi.organisation, defaults={"name": ooi.organisation})
                return statements.ooi_upsert(ooi, now=timezone.now())
        organisation, _ = Organisation.objects.get_or_create(code=ooi.organisation, defaults={"name": ooi.organisation})
        existing = (
            OOI.objects.select_for_update().filter(organisation=organisation, primary_key=ooi.primary_key).first()
        )
        before = _ooi_info(existing, ooi.organisation) if existing else None
        OOI.objects.update_or_create(
            organisation=organisation,
            primary_key=ooi.primary_key,
            defaults={"object_type": ooi.object_type, "scan_level": ooi.scan_level, "modified_at": timezone.now()},
        )
        return before

    def record_oois(self, oois: list[OOIInfo]) -> None:
        if not statements.is_postgresql():
            super().record_oois(oois)
            return
        if statements.ooi_upsert_many(oois, now=timezone.now()) < len(oois):
            # Some organisation is new: created as record_ooi does, then the statement again (an upsert: harmless).
            for code in {ooi.organisation for ooi in oois}:
                Organisation.objects.get_or_create(code=code, defaults={"name": code})
            statements.ooi_upsert_many(oois, now=timezone.now())

    def forget_ooi(self, *, organisation: str, primary_key: str) -> None:
        OOI.objects.filter(organisation__code=organisation, primary_key=primary_key).delete()

    def oois_for_plugin(
        self, *, organisation: str, object_types: Sequence[str], min_level: int, batch_size: int
    ) -> Iterator[list[OOIInfo]]:
        queryset = OOI.objects.filter(
            organisation__code=organisation, object_type__in=list(object_types), scan_level__gte=max(min_level, 1)
        ).order_by("id")
        last_id = 0
        while True:
            # Keyset pagination: each batch is one indexed query, however many OOIs there are.
            batch = list(queryset.filter(id__gt=last_id)[:batch_size])
            if not batch:
                return
            last_id = batch[-1].id
            yield [_ooi_info(ooi, organisation) for ooi in batch]
