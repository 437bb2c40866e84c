"""Fixtures: the KATalogus and Octopoes stand-ins, an OpenKAT catalogue reading them, and the setting
that makes it the process's catalogue (import them into a conftest.py to use them); and the embedded
catalogue's tables filled with the same generated data."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.catalogue import _load as load_catalogue
from rocky_scheduler.catalogue.openkat import OpenKATCatalogue
from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement
from tests.support.katalogus_standin import KATalogusStandIn
from tests.support.octopoes_standin import OctopoesStandIn
from tests.support.openkat_data import OpenKATData

# Short enough that a test of an outage takes a second, long enough for a loaded CI machine.
TIMEOUT = 2.0
RETRIES = 2
BACKOFF = 0.05


def fill_embedded(data: OpenKATData) -> None:
    organisations = Organisation.objects.bulk_create(
        [Organisation(code=code, name=name) for code, name in data.organisations.items()]
    )
    Plugin.objects.bulk_create(
        [
            Plugin(
                id=plugin["id"],
                type=plugin["type"],
                name=plugin["name"],
                oci_image=plugin.get("oci_image") or "",
                description=plugin["description"],
                scan_level=plugin.get("scan_level") or 0,
                consumes=plugin["consumes"],
                produces=plugin["produces"],
                interval=plugin.get("interval"),
                cron=plugin.get("cron"),
                run_on=plugin.get("run_on"),
            )
            for plugin in data.plugins
        ]
    )
    PluginEnablement.objects.bulk_create(
        [
            PluginEnablement(organisation=organisation, plugin_id=plugin["id"], enabled=True)
            for organisation in organisations
            for plugin in data.plugins
            if plugin["id"] in data.enabled[organisation.code]
        ]
    )
    OOI.objects.bulk_create(
        [
            OOI(
                organisation=organisation,
                primary_key=ooi["primary_key"],
                object_type=ooi["object_type"],
                scan_level=(ooi["scan_profile"] or {}).get("level", 0),
                scan_profile_type=(ooi["scan_profile"] or {}).get("scan_profile_type", ""),
            )
            for organisation in organisations
            for ooi in data.objects[organisation.code].values()
        ],
        batch_size=2000,
    )


@pytest.fixture
def katalogus():
    standin = KATalogusStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def octopoes():
    standin = OctopoesStandIn().start()
    yield standin
    standin.stop()


def openkat_catalogue_for(katalogus: KATalogusStandIn, octopoes: OctopoesStandIn, **options) -> OpenKATCatalogue:
    settings = {"timeout": TIMEOUT, "retries": RETRIES, "backoff": BACKOFF} | options
    return OpenKATCatalogue(katalogus_api=katalogus.url, octopoes_api=octopoes.url, **settings)


@pytest.fixture
def openkat_catalogue(katalogus, octopoes) -> OpenKATCatalogue:
    """An OpenKAT catalogue reading the stand-ins, with short timeouts."""
    return openkat_catalogue_for(katalogus, octopoes)


@contextmanager
def openkat_catalogue_chosen(katalogus: KATalogusStandIn, octopoes: OctopoesStandIn) -> Iterator[None]:
    """ROCKY_SCHEDULER chooses the OpenKAT catalogue on these stand-ins, as the standalone project does when
    KATALOGUS_API and OCTOPOES_API are set; get_catalogue() builds it anew inside and after."""
    setting = settings.ROCKY_SCHEDULER | {
        "CATALOGUE": "rocky_scheduler.catalogue.openkat.OpenKATCatalogue",
        "KATALOGUS_API": katalogus.url,
        "OCTOPOES_API": octopoes.url,
        "EXTERNAL_TIMEOUT_SECONDS": TIMEOUT,
        "EXTERNAL_BACKOFF_SECONDS": BACKOFF,
    }
    load_catalogue.cache_clear()
    try:
        with override_settings(ROCKY_SCHEDULER=setting):
            yield
    finally:
        load_catalogue.cache_clear()


@pytest.fixture
def openkat_setting(katalogus, octopoes):
    with openkat_catalogue_chosen(katalogus, octopoes):
        yield
