import pytest

from rocky_scheduler.services.demo_seed import demo_seed
from tests.support.katalogus_standin import KATalogusStandIn
from tests.support.octopoes_standin import OctopoesStandIn
from tests.support.openkat_data import demo_data
from tests.support.openkat_fixtures import openkat_catalogue_chosen


@pytest.fixture
def catalogue(db):
    """The demo catalogue: acme and globex, four boefjes and two normalizers, all enabled."""
    demo_seed(username="demo", password="demo-pw")


# The stand-in Octopoes of the running `either_catalogue` test, if any (see `mutation`).
_OCTOPOES: list[OctopoesStandIn] = []


@pytest.fixture(params=["embedded", "openkat"])
def either_catalogue(request, catalogue):
    """The demo catalogue read from the embedded tables, then from KATalogus and Octopoes stand-ins serving
    it: for the tests that change nothing in the catalogue, so both must schedule alike."""
    if request.param == "embedded":
        yield
        return
    katalogus, octopoes = KATalogusStandIn(demo_data()).start(), OctopoesStandIn(demo_data()).start()
    _OCTOPOES.append(octopoes)
    try:
        with openkat_catalogue_chosen(katalogus, octopoes):
            yield
        assert katalogus.requests, "the test never read the catalogue from KATalogus"
    finally:
        _OCTOPOES.remove(octopoes)
        katalogus.stop()
        octopoes.stop()


def mutation(pk: str, object_type: str, level: int, *, organisation: str = "acme", operation: str = "create") -> dict:
    """The event Octopoes publishes; with the stand-in Octopoes running, it holds the object first, as the
    real one does before its event is consumed (the scheduler confirms that before queueing work)."""
    for octopoes in _OCTOPOES:
        if operation == "delete":
            octopoes.delete(organisation, pk)
        else:
            octopoes.put(organisation, pk, object_type, level)
    return {
        "operation": operation,
        "primary_key": pk,
        "client_id": organisation,
        "value": {
            "primary_key": pk,
            "object_type": object_type,
            "scan_profile": {"level": level, "reference": pk, "scan_profile_type": "declared"},
            "extra_field_from_octopoes": True,
        },
    }


RAW_FILE_ID = "6f1f3b2a-0c1d-4e5f-8a9b-0c1d2e3f4a5b"


def raw_file(mime_types: list[str], *, organisation: str = "acme", boefje_id: str = "dns-records") -> dict:
    return {
        "created_at": "2026-11-27T05:00:00+00:00",
        "organization": organisation,
        "raw_data": {
            "id": RAW_FILE_ID,
            "boefje_meta": {
                "id": "0b5c4f0e-6f4e-4c55-9d6b-2f0f0c1b7a01",
                "boefje": {"id": boefje_id, "name": boefje_id, "version": None},
                "input_ooi": "Hostname|internet|example.com",
                "organization": organisation,
                "started_at": "2026-11-27T04:59:00+00:00",
                "ended_at": "2026-11-27T05:00:00+00:00",
            },
            "mime_types": [{"value": mime_type} for mime_type in mime_types],
            "secure_hash": "sha512:abc",
        },
    }
