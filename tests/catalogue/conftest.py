"""Both catalogues over the same generated OpenKAT data: the embedded one filled from it, and the
OpenKAT one reading the KATalogus and Octopoes stand-ins that serve it."""

import pytest

from rocky_scheduler.catalogue import EmbeddedCatalogue
from tests.support.openkat_data import openkat_data
from tests.support.openkat_fixtures import (  # noqa: F401 - fixtures
    fill_embedded,
    katalogus,
    octopoes,
    openkat_catalogue,
    openkat_setting,
)


@pytest.fixture(params=["embedded", "openkat"])
def any_catalogue(request, db):
    """Each catalogue in turn, holding the same generated data."""
    if request.param == "embedded":
        fill_embedded(openkat_data())
        return EmbeddedCatalogue()
    return request.getfixturevalue("openkat_catalogue")
