"""docs/rocky-integration.md's OpenKAT catalogue block in the Rocky-shaped host: Rocky's KATALOGUS_API and
OCTOPOES_API settings (here the stand-ins) make the scheduler schedule what KATalogus and Octopoes hold."""

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.catalogue import _load as load_catalogue
from rocky_scheduler.catalogue import get_catalogue
from rocky_scheduler.catalogue.openkat import OpenKATCatalogue
from rocky_scheduler.models import Task
from tests.rocky_host.test_api_in_rocky import knox_client, worker
from tests.scheduling.conftest import mutation
from tests.support.api_clients import PREFIX
from tests.support.doc_snippets import snippet
from tests.support.openkat_data import openkat_data

pytestmark = pytest.mark.django_db

DATA = openkat_data()


@pytest.fixture
def guides_catalogue(katalogus, octopoes):
    """The host's ROCKY_SCHEDULER after the guide's block, with Rocky's two settings pointing at the stand-ins."""
    namespace = {
        "ROCKY_SCHEDULER": dict(settings.ROCKY_SCHEDULER),
        "KATALOGUS_API": katalogus.url,
        "OCTOPOES_API": octopoes.url,
    }
    exec(snippet("openkat-catalogue"), namespace)  # noqa: S102 - our own documentation
    load_catalogue.cache_clear()
    try:
        with override_settings(ROCKY_SCHEDULER=namespace["ROCKY_SCHEDULER"]):
            yield
    finally:
        load_catalogue.cache_clear()


def test_the_guides_block_makes_katalogus_and_octopoes_the_catalogue(guides_catalogue):
    catalogue = get_catalogue()
    assert isinstance(catalogue, OpenKATCatalogue)
    assert sorted(catalogue.organisations()) == sorted(DATA.organisations)


def test_an_event_for_an_object_in_octopoes_queues_the_boefjes_katalogus_enables(guides_catalogue, octopoes):
    primary_key = "Hostname|internet|rocky-host.example.nl"
    octopoes.put("acme", primary_key, "Hostname", 1)
    response = knox_client(worker()).post(
        f"{PREFIX}/ingest/scan_profile_mutations", mutation(primary_key, "Hostname", 1), content_type="application/json"
    )
    assert response.status_code < 300, response.content
    queued = {task.data["boefje"]["id"] for task in Task.objects.filter(organisation="acme")}
    assert queued == DATA.boefjes_for("acme", "Hostname", 1)
    assert queued, "the generated catalogue enables level-1 Hostname boefjes for acme"
