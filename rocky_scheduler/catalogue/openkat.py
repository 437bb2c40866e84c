"""The OpenKAT catalogue: organisations and plugins from KATalogus, objects from Octopoes.

Chosen with ROCKY_SCHEDULER["CATALOGUE"] = "rocky_scheduler.catalogue.openkat.OpenKATCatalogue" and the
KATALOGUS_API and OCTOPOES_API keys. The endpoints and shapes are those OpenKAT's own scheduler reads
(mula/scheduler/clients/http/external/katalogus.py and octopoes.py):

KATalogus  GET /v1/organisations                 {"<id>": {"id", "name", ...}, ...}
           GET /v1/organisations/{id}/plugins    [{"id", "type", "enabled", "scan_level", "consumes",
                                                   "produces", "interval" (minutes), "cron", "run_on",
                                                   "oci_image", ...}, ...]; 404: unknown organisation
           GET /v1/configs?boefje_id=&enabled=true
                                                 [{"id", "boefje_id", "organisation_id", "enabled",
                                                   "settings", "duplicates"}, ...]
           GET /health                           {"service", "healthy", "version"}
Octopoes   GET /{id}/object?reference=&valid_time=            an OOI {"primary_key", "object_type",
                                                               "scan_profile": {"level", ...} | null}; 404
           GET /{id}/objects?types=&scan_level=&offset=&limit=&valid_time=   {"count", "items": [OOI, ...]}
           GET /object-clients?reference=&clients=&valid_time=               {"<id>": OOI, ...}
           GET /health                           {"service", "healthy", "version"}

KATalogus answers slowly and changes rarely, so each organisation's plugin list (definitions and
enablement, one request) is cached for PLUGIN_CACHE_SECONDS, for at most PLUGIN_CACHE_ORGANISATIONS
organisations, as mula's plugin cache does. Octopoes is asked every time: object levels are what the
scheduler decides on. Every failure to get an answer is CatalogueUnavailable.
"""

import datetime
import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from rocky_scheduler.catalogue.base import Catalogue, CatalogueUnavailable, OOIInfo, PluginInfo
from rocky_scheduler.catalogue.external import MISSING, ExternalService, TTLCache
from rocky_scheduler.catalogue.health import probe_services
from rocky_scheduler.conf import app_settings

NOT_CONFIGURED = "The OpenKAT catalogue needs ROCKY_SCHEDULER['KATALOGUS_API'] and ROCKY_SCHEDULER['OCTOPOES_API']."
MAX_SCAN_LEVEL = 4


@dataclass(frozen=True)
class OrganisationPlugins:
    """One organisation's answer from KATalogus: every plugin, and which of them it has enabled."""

    plugins: dict[str, PluginInfo]
    enabled: frozenset[str]
    # Derived once per answer: callers may key what they derive from it on its identity.

    @classmethod
    def from_katalogus(cls, body: Any) -> "OrganisationPlugins":
        try:
            plugins = {item["id"]: _plugin(item) for item in body}
            enabled = frozenset(item["id"] for item in body if item.get("enabled") is True)
        except (KeyError, TypeError, ValueError) as error:
            detail = f"unexpected plugin list ({type(error).__name__}: {error})"
            raise CatalogueUnavailable("katalogus", detail) from None
        return cls(plugins=plugins, enabled=enabled)


def _plugin(item: Mapping[str, Any]) -> PluginInfo:
    consumes = item.get("consumes") or ()
    # Older KATalogus versions send a boefje's single consumed type as a string (mula keeps that case too).
    if isinstance(consumes, str):
        consumes = (consumes,)
    interval = item.get("interval")
    run_on = item.get("run_on")
    return PluginInfo(
        id=item["id"],
        type=item["type"],
        name=item.get("name") or item["id"],
        version=item.get("version") or "",
        oci_image=item.get("oci_image") or "",
        # Normalizers have no scan level in KATalogus: any object's output may be normalized.
        scan_level=int(item.get("scan_level") or 0),
        consumes=tuple(consumes),
        interval=datetime.timedelta(minutes=int(interval)) if interval else None,
        cron=item.get("cron") or None,
        produces=tuple(item.get("produces") or ()),
        run_on=tuple(run_on) if run_on is not None else None,
    )


def _ooi(item: Any, organisation: str) -> OOIInfo:
    try:
        profile = item.get("scan_profile") or {}
        return OOIInfo(
            organisation=organisation,
            primary_key=item["primary_key"],
            object_type=item["object_type"],
            # No scan profile yet: level 0, which nothing scans.
            scan_level=int(profile.get("level") or 0),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise CatalogueUnavailable("octopoes", f"unexpected object ({type(error).__name__}: {error})") from None


def _valid_time() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _segment(value: str) -> str:
    return quote(value, safe="")


class OpenKATCatalogue(Catalogue):
    # Octopoes may publish an object's event before the object is readable (OpenKAT #2488).
    confirms_objects = True

    def __init__(
        self,
        *,
        katalogus_api: str | None = None,
        octopoes_api: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        plugin_cache_organisations: int | None = None,
        ooi_projection_size: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Arguments left out are read from ROCKY_SCHEDULER (get_catalogue() passes none)."""
        katalogus_api = katalogus_api or app_settings.KATALOGUS_API
        octopoes_api = octopoes_api or app_settings.OCTOPOES_API
        if not katalogus_api or not octopoes_api:
            raise ImproperlyConfigured(NOT_CONFIGURED)
        service = functools.partial(
            ExternalService,
            timeout=app_settings.EXTERNAL_TIMEOUT_SECONDS if timeout is None else timeout,
            retries=app_settings.EXTERNAL_RETRIES if retries is None else retries,
            backoff=app_settings.EXTERNAL_BACKOFF_SECONDS if backoff is None else backoff,
            sleep=sleep,
        )
        self.katalogus = service(name="katalogus", base_url=katalogus_api)
        self.octopoes = service(name="octopoes", base_url=octopoes_api)
        self._organisations = TTLCache(maxsize=1)
        self._plugins = TTLCache(maxsize=plugin_cache_organisations or app_settings.PLUGIN_CACHE_ORGANISATIONS)
        # plugin id -> organisations that have it enabled (deduplication asks per plugin, not per organisation)
        self._enabled_in = TTLCache(maxsize=plugin_cache_organisations or app_settings.PLUGIN_CACHE_ORGANISATIONS)
        self._projection = TTLCache(maxsize=ooi_projection_size or app_settings.OOI_PROJECTION_SIZE)

    def clear_cache(self) -> None:
        self._organisations.clear()
        self._plugins.clear()
        self._enabled_in.clear()

    # KATalogus

    def organisations(self) -> list[str]:
        """Every organisation KATalogus knows, by id (Rocky's Organization.code)."""
        cached = self._organisations.get("all", ttl=app_settings.PLUGIN_CACHE_SECONDS)
        if cached is MISSING:
            body = self.katalogus.get_json("/v1/organisations") or {}
            if not isinstance(body, dict):
                raise CatalogueUnavailable("katalogus", "unexpected organisation list")
            cached = sorted(body)
            self._organisations.put("all", cached)
        return cached

    def plugins_changed(self, organisation: str) -> None:
        self._plugins.pop(organisation)
        # Keyed by plugin, not organisation: which entries the change touches is unknown, and they are few.
        self._enabled_in.clear()
        if organisation not in self._organisations.get("all", ttl=app_settings.PLUGIN_CACHE_SECONDS, default=()):
            # A new organisation's first switch: the cached list (or its absence) does not know it yet.
            self._organisations.pop("all")

    def organisation_plugins(self, organisation: str) -> OrganisationPlugins:
        cached = self._plugins.get(organisation, ttl=app_settings.PLUGIN_CACHE_SECONDS)
        if cached is MISSING:
            # One request answers every plugin question about this organisation until the entry expires.
            body = self.katalogus.get_json(f"/v1/organisations/{_segment(organisation)}/plugins")
            cached = OrganisationPlugins.from_katalogus(body or [])
            self._plugins.put(organisation, cached)
        return cached

    def enabled_plugins(self, *, organisation: str, plugin_type: str) -> list[PluginInfo]:
        answer = self.organisation_plugins(organisation)
        return sorted(
            (
                plugin
                for plugin in answer.plugins.values()
                if plugin.type == plugin_type and plugin.id in answer.enabled
            ),
            key=lambda plugin: plugin.id,
        )

    def plugin(self, plugin_id: str) -> PluginInfo | None:
        # KATalogus keeps one definition per plugin and lists it under every organisation (only `enabled`
        # differs), so one organisation's cached list answers for all: two lookups in memory per call.
        answer = self._any_organisation_plugins()
        return answer.plugins.get(plugin_id) if answer else None

    def plugin_enabled(self, *, organisation: str, plugin_id: str) -> bool:
        return plugin_id in self.organisation_plugins(organisation).enabled

    def organisations_enabling(self, plugin_id: str) -> list[str]:
        """The organisations that have the boefje enabled, from its configurations: one request for all
        organisations, as mula's deduplication asks (`get_configs(boefje_id=..., enabled=True)`)."""
        cached = self._enabled_in.get(plugin_id, ttl=app_settings.PLUGIN_CACHE_SECONDS)
        if cached is MISSING:
            body = self.katalogus.get_json("/v1/configs", {"boefje_id": plugin_id, "enabled": "true"}) or []
            try:
                cached = sorted({config["organisation_id"] for config in body if config.get("enabled") is True})
            except (AttributeError, KeyError, TypeError):
                raise CatalogueUnavailable("katalogus", "unexpected configs list") from None
            self._enabled_in.put(plugin_id, cached)
        return cached

    def _any_organisation_plugins(self) -> OrganisationPlugins | None:
        organisations = self.organisations()
        return self.organisation_plugins(organisations[0]) if organisations else None

    # Octopoes

    def ooi(self, *, organisation: str, primary_key: str) -> OOIInfo | None:
        body = self.octopoes.get_json(
            f"/{_segment(organisation)}/object", {"reference": primary_key, "valid_time": _valid_time()}
        )
        return None if body is None else _ooi(body, organisation)

    def organisations_holding(self, *, primary_key: str, plugin_id: str, min_level: int) -> list[str]:
        clients = self.organisations_enabling(plugin_id)
        if not clients:
            return []
        body = self.octopoes.get_json(
            "/object-clients", {"reference": primary_key, "clients": clients, "valid_time": _valid_time()}
        )
        if body is not None and not isinstance(body, dict):
            raise CatalogueUnavailable("octopoes", "unexpected object-clients answer")
        level = max(min_level, 1)
        return sorted(
            client
            for client, item in (body or {}).items()
            if client in clients and _ooi(item, client).scan_level >= level
        )

    def oois_for_plugin(
        self, *, organisation: str, object_types: Sequence[str], min_level: int, batch_size: int
    ) -> Iterator[list[OOIInfo]]:
        if not object_types:
            # Octopoes reads "no types" as every type.
            return
        level = max(min_level, 1)
        params: dict[str, Any] = {
            "types": list(object_types),
            "scan_level": list(range(level, MAX_SCAN_LEVEL + 1)),
            "offset": 0,
            "limit": batch_size,
            # One valid time for every page: Octopoes is bitemporal, so the pages are one consistent view.
            "valid_time": _valid_time(),
        }
        while True:
            body = self.octopoes.get_json(f"/{_segment(organisation)}/objects", params)
            if body is None:
                return
            try:
                items, count = body["items"], int(body["count"])
            except (KeyError, TypeError, ValueError):
                raise CatalogueUnavailable("octopoes", "unexpected object list") from None
            batch = [ooi for ooi in (_ooi(item, organisation) for item in items) if ooi.scan_level >= level]
            if batch:
                yield batch
            params["offset"] += batch_size
            if not items or params["offset"] >= count:
                return

    # The projection: Octopoes is the truth; this process remembers what the events said, nothing more.

    def record_ooi(self, ooi: OOIInfo) -> OOIInfo | None:
        """What this process last saw of the object (None: not seen since start or since it was
        dropped for room); asking Octopoes instead would cost a request per event."""
        before = self._projection.swap((ooi.organisation, ooi.primary_key), (ooi.object_type, ooi.scan_level))
        if before is MISSING:
            return None
        object_type, scan_level = before
        return OOIInfo(
            organisation=ooi.organisation, primary_key=ooi.primary_key, object_type=object_type, scan_level=scan_level
        )

    def forget_ooi(self, *, organisation: str, primary_key: str) -> None:
        self._projection.pop((organisation, primary_key))

    # Health

    def health(self, *, timeout: float | None = None) -> dict[str, dict[str, Any]]:
        """Each external's state: {"katalogus": {"healthy", "version", "detail"}, "octopoes": ...}. Both asked
        at once, one attempt each: a health check reports an outage, it does not wait it out."""
        timeout = app_settings.HEALTH_TIMEOUT_SECONDS if timeout is None else timeout
        services = (self.katalogus, self.octopoes)
        return probe_services({service.name: service.base_url for service in services}, timeout=timeout)
