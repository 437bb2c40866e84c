"""Fixtures: the KATalogus and Octopoes stand-ins, an OpenKAT catalogue reading them, and the setting
that makes it the process's catalogue. Import them into a conftest.py to use them."""

import pytest
from django.test import override_settings

from rocky_scheduler.catalogue import _load as load_catalogue
from rocky_scheduler.catalogue.openkat import OpenKATCatalogue
from tests.support.katalogus_standin import KATalogusStandIn
from tests.support.octopoes_standin import OctopoesStandIn

# Short enough that a test of an outage takes a second, long enough for a loaded CI machine.
TIMEOUT = 2.0
RETRIES = 2
BACKOFF = 0.05


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


@pytest.fixture
def openkat_setting(katalogus, octopoes):
    """ROCKY_SCHEDULER chooses the OpenKAT catalogue on the stand-ins, as the standalone project does when
    KATALOGUS_API and OCTOPOES_API are set; get_catalogue() builds it anew for the test."""
    setting = {
        "CATALOGUE": "rocky_scheduler.catalogue.openkat.OpenKATCatalogue",
        "KATALOGUS_API": katalogus.url,
        "OCTOPOES_API": octopoes.url,
        "EXTERNAL_TIMEOUT_SECONDS": TIMEOUT,
        "EXTERNAL_BACKOFF_SECONDS": BACKOFF,
    }
    load_catalogue.cache_clear()
    with override_settings(ROCKY_SCHEDULER=setting):
        yield
    load_catalogue.cache_clear()
