import abc
import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PluginInfo:
    id: str
    type: str
    name: str
    version: str
    oci_image: str
    scan_level: int
    consumes: tuple[str, ...]
    interval: datetime.timedelta | None
    cron: str | None
    # What its output holds (OOI types for a boefje); informational, scheduling does not use it yet.
    produces: tuple[str, ...] = ()
    # KATalogus `run_on` (["create"], ["update"], both); None: run on every mutation, as OpenKAT does.
    run_on: tuple[str, ...] | None = None

    def as_task_ref(self) -> dict:
        """The plugin as OpenKAT's task data carries it (`data.boefje` / `data.normalizer`)."""
        return {"id": self.id, "name": self.name, "version": self.version or None, "oci_image": self.oci_image or None}


@dataclass(frozen=True)
class OOIInfo:
    organisation: str
    primary_key: str
    object_type: str
    scan_level: int


class CatalogueUnavailable(Exception):
    """The catalogue's source (KATalogus, Octopoes) did not answer usefully after its retries.

    Callers treat it like a database outage: the work is retried later, nothing is decided on a guess.
    Not an OSError on purpose: the AMQP consumer reads OSError as "the broker connection broke".
    """

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service} unavailable: {detail}")
        self.service = service
        self.detail = detail


class Catalogue(abc.ABC):
    @abc.abstractmethod
    def enabled_plugins(self, *, organisation: str, plugin_type: str) -> list[PluginInfo]: ...

    @abc.abstractmethod
    def plugin(self, plugin_id: str) -> PluginInfo | None: ...

    def health(self, *, timeout: float | None = None) -> dict[str, dict]:
        """Each external service this catalogue reads, by name: {"healthy": bool, "version": str | None,
        "detail": str}, answered within `timeout` seconds, for /health and the dashboard (through
        catalogue.health.catalogue_health, which caches it). Empty here: the embedded catalogue is the
        scheduler's own database."""
        return {}

    # Whether an event's object must be looked up here before work is queued for it (OpenKAT #2488: an
    # event can arrive before its object is readable in Octopoes). The embedded catalogue's objects are the
    # events themselves, so there is nothing to wait for.
    confirms_objects: bool = False

    @abc.abstractmethod
    def plugin_enabled(self, *, organisation: str, plugin_id: str) -> bool: ...

    @abc.abstractmethod
    def organisations(self) -> list[str]:
        """Every organisation's code, sorted (the plugin reconciliation walks them a few at a time)."""

    # Not abstract: doing nothing is right for a catalogue that caches nothing or keeps no tables of its own.
    def plugins_changed(self, organisation: str) -> None:  # noqa: B027
        """The organisation's plugins or their enablement changed: forget what is cached about them, so the
        next question is answered by the source."""

    def record_plugin_enabled(self, *, organisation: str, plugin_id: str, enabled: bool) -> None:  # noqa: B027
        """An event said `plugin_id` was switched on or off for `organisation` (after `plugins_changed`). A
        catalogue that keeps its own tables records the switch; one that reads another service (KATalogus)
        has nothing to record: that service is the truth, and is asked again."""

    @abc.abstractmethod
    def ooi(self, *, organisation: str, primary_key: str) -> OOIInfo | None: ...

    # The rescheduler's batch reads (thousands of schedules at once). These defaults ask the one-at-a-time
    # questions above (the OpenKAT catalogue answers enablement from its cached per-organisation lists); a
    # catalogue that can answer a set in one query overrides them (the embedded one).
    def enabled_pairs(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (organisation, plugin id) pairs among `pairs` whose plugin is enabled for that organisation."""
        return {
            (code, plugin_id)
            for code, plugin_id in set(pairs)
            if self.plugin_enabled(organisation=code, plugin_id=plugin_id)
        }

    def oois_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], OOIInfo]:
        """The objects among the (organisation, primary key) pairs `keys` that exist, by pair; missing ones are
        absent."""
        found = {}
        for code, primary_key in set(keys):
            ooi = self.ooi(organisation=code, primary_key=primary_key)
            if ooi is not None:
                found[code, primary_key] = ooi
        return found

    @abc.abstractmethod
    def organisations_holding(self, *, primary_key: str, plugin_id: str, min_level: int) -> list[str]:
        """Codes of the organisations that hold the object `primary_key` at scan level >= max(min_level, 1)
        with the plugin enabled (the organisations a deduplicated boefje run serves)."""

    @abc.abstractmethod
    def record_ooi(self, ooi: OOIInfo) -> OOIInfo | None:
        """Keep the local projection current; returns what was known before (None: new)."""

    def record_oois(self, oois: list[OOIInfo]) -> None:
        """`record_ooi` for several objects (distinct ones) at once; the embedded catalogue does it in one statement."""
        for ooi in oois:
            self.record_ooi(ooi)

    @abc.abstractmethod
    def forget_ooi(self, *, organisation: str, primary_key: str) -> None: ...

    @abc.abstractmethod
    def oois_for_plugin(
        self, *, organisation: str, object_types: Sequence[str], min_level: int, batch_size: int
    ) -> Iterator[list[OOIInfo]]:
        """Every known OOI a plugin may scan, in batches (never the whole set in memory)."""
