"""The OpenKAT catalogue against the KATalogus and Octopoes stand-ins: what it asks, how often, and
what happens when either does not answer."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from rocky_scheduler.catalogue import CatalogueUnavailable, OOIInfo
from rocky_scheduler.catalogue.openkat import OpenKATCatalogue
from rocky_scheduler.models import ProcessedMessage, Task
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message
from tests.scheduling.conftest import mutation
from tests.support.openkat_data import openkat_data
from tests.support.openkat_fixtures import BACKOFF, RETRIES, openkat_catalogue_for

DATA = openkat_data()
ACME_PLUGINS = "/v1/organisations/acme/plugins"
ACME_OBJECT = next(iter(DATA.objects["acme"].values()))


def test_plugin_questions_about_one_organisation_cost_one_katalogus_request(openkat_catalogue, katalogus):
    openkat_catalogue.enabled_plugins(organisation="acme", plugin_type="boefje")
    openkat_catalogue.enabled_plugins(organisation="acme", plugin_type="normalizer")
    openkat_catalogue.plugin_enabled(organisation="acme", plugin_id="nmap")
    openkat_catalogue.plugin("nmap")
    assert katalogus.requests_to(ACME_PLUGINS) == 1
    assert katalogus.requests == 2  # and the organisation list, for plugin()


def test_a_newly_enabled_plugin_is_seen_once_the_cache_entry_expires(openkat_catalogue, katalogus):
    assert not openkat_catalogue.plugin_enabled(organisation="initech", plugin_id="nmap")
    katalogus.set_enabled("initech", "nmap", True)
    # Within PLUGIN_CACHE_SECONDS the cached answer stands...
    assert not openkat_catalogue.plugin_enabled(organisation="initech", plugin_id="nmap")
    with override_settings(ROCKY_SCHEDULER={"PLUGIN_CACHE_SECONDS": 0}):
        # ... after it, KATalogus is asked again.
        assert openkat_catalogue.plugin_enabled(organisation="initech", plugin_id="nmap")
    assert katalogus.requests_to("/v1/organisations/initech/plugins") == 2


def test_deduplication_asks_katalogus_once_per_plugin_and_octopoes_once_per_object(
    openkat_catalogue, katalogus, octopoes
):
    shared = next(pk for pk in DATA.objects["acme"] if pk in DATA.objects["globex"])
    for _ in range(3):
        openkat_catalogue.organisations_holding(primary_key=shared, plugin_id="dns-records", min_level=1)
    assert katalogus.requests_to("/v1/configs") == 1
    assert katalogus.requests_to("/v1/organisations") == 0
    assert octopoes.requests_to("/object-clients") == 3


def test_the_plugin_cache_keeps_at_most_its_bound_of_organisations(katalogus, octopoes):
    catalogue = openkat_catalogue_for(katalogus, octopoes, plugin_cache_organisations=2)
    for organisation in ["acme", "globex", "initech", "initech", "acme"]:
        catalogue.enabled_plugins(organisation=organisation, plugin_type="boefje")
    # acme was the least recently used when initech came in, so it was asked for again.
    assert katalogus.requests_to(ACME_PLUGINS) == 2
    assert katalogus.requests_to("/v1/organisations/initech/plugins") == 1
    assert len(catalogue._plugins) == 2


def test_objects_are_read_from_octopoes_every_time(openkat_catalogue, octopoes):
    primary_key = ACME_OBJECT["primary_key"]
    octopoes.put("acme", primary_key, ACME_OBJECT["object_type"], 4)
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key).scan_level == 4
    octopoes.put("acme", primary_key, ACME_OBJECT["object_type"], 1)
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key).scan_level == 1
    octopoes.delete("acme", primary_key)
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key) is None


def test_requests_reuse_one_kept_alive_connection_per_thread(openkat_catalogue, octopoes):
    def look_up() -> None:
        for _ in range(10):
            openkat_catalogue.ooi(organisation="acme", primary_key=ACME_OBJECT["primary_key"])

    look_up()
    assert octopoes.connections == 1
    threads = [threading.Thread(target=look_up) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert octopoes.requests == 40
    assert octopoes.connections == 4


@pytest.mark.parametrize("how", ["refused", "503"])
def test_katalogus_down_is_catalogue_unavailable_after_bounded_retries(katalogus, octopoes, how):
    delays: list[float] = []
    catalogue = openkat_catalogue_for(katalogus, octopoes, sleep=delays.append)
    katalogus.down(how)
    started = time.monotonic()
    with pytest.raises(CatalogueUnavailable) as raised:
        catalogue.enabled_plugins(organisation="acme", plugin_type="boefje")
    assert time.monotonic() - started < 2
    assert raised.value.service == "katalogus"
    # Exponential backoff between the attempts.
    assert delays == [BACKOFF, 2 * BACKOFF]
    if how == "503":
        assert katalogus.requests_to(ACME_PLUGINS) == RETRIES + 1
        assert "HTTP 503" in str(raised.value)


def test_an_answer_that_is_not_what_the_api_gives_is_catalogue_unavailable_without_retries(
    openkat_catalogue, katalogus, octopoes
):
    octopoes.down("garbage")
    with pytest.raises(CatalogueUnavailable, match="not JSON"):
        openkat_catalogue.ooi(organisation="acme", primary_key=ACME_OBJECT["primary_key"])
    assert octopoes.requests == 1
    katalogus.plugins.append({"name": "a plugin without id or type"})
    with pytest.raises(CatalogueUnavailable, match="unexpected plugin list"):
        openkat_catalogue.enabled_plugins(organisation="acme", plugin_type="boefje")


def test_a_hanging_octopoes_times_out_instead_of_holding_the_caller(katalogus, octopoes):
    catalogue = openkat_catalogue_for(katalogus, octopoes, timeout=0.3, retries=1)
    octopoes.delay = 1.0
    started = time.monotonic()
    with pytest.raises(CatalogueUnavailable, match="octopoes unavailable: .*(timed out|TimeoutError)"):
        catalogue.ooi(organisation="acme", primary_key=ACME_OBJECT["primary_key"])
    assert time.monotonic() - started < 1.5
    assert octopoes.requests == 2


def test_after_an_outage_the_next_question_is_answered(openkat_catalogue, octopoes):
    primary_key = ACME_OBJECT["primary_key"]
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key)
    octopoes.down("refused")
    with pytest.raises(CatalogueUnavailable):
        openkat_catalogue.ooi(organisation="acme", primary_key=primary_key)
    octopoes.up()
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key).primary_key == primary_key


def test_a_kept_alive_connection_the_server_closed_is_replaced_without_an_error(openkat_catalogue, octopoes):
    primary_key = ACME_OBJECT["primary_key"]
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key)
    # A restart between two questions (no retry budget spent, no backoff): the idle connection is dead.
    octopoes.stop()
    octopoes.start()
    openkat_catalogue.octopoes.retries = 0
    assert openkat_catalogue.ooi(organisation="acme", primary_key=primary_key)


def test_health_reports_each_external(openkat_catalogue, katalogus):
    assert openkat_catalogue.health() == {
        "katalogus": {"healthy": True, "version": "stand-in", "detail": ""},
        "octopoes": {"healthy": True, "version": "stand-in", "detail": ""},
    }
    katalogus.down("503")
    health = openkat_catalogue.health()
    assert health["octopoes"]["healthy"]
    assert not health["katalogus"]["healthy"]
    assert "HTTP 503" in health["katalogus"]["detail"]
    # One attempt: a health check reports an outage, it does not wait it out.
    assert katalogus.requests_to("/health") == 2


def test_record_ooi_projection_is_bounded(katalogus, octopoes):
    catalogue = openkat_catalogue_for(katalogus, octopoes, ooi_projection_size=2)
    for number in range(3):
        catalogue.record_ooi(OOIInfo("acme", f"Hostname|internet|h{number}.nl", "Hostname", 1))
    assert catalogue.record_ooi(OOIInfo("acme", "Hostname|internet|h0.nl", "Hostname", 2)) is None
    assert catalogue.record_ooi(OOIInfo("acme", "Hostname|internet|h2.nl", "Hostname", 2)).scan_level == 1


@pytest.mark.django_db
def test_a_mutation_schedules_the_boefjes_katalogus_enables_for_the_organisation(openkat_setting, octopoes):
    primary_key = "IPAddressV4|internet|192.0.2.10"
    for organisation in ("acme", "initech"):
        octopoes.put(organisation, primary_key, "IPAddressV4", 2)
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(primary_key, "IPAddressV4", 2, organisation="acme"))
    ingest_message(
        queue=SCAN_PROFILE_MUTATIONS, payload=mutation(primary_key, "IPAddressV4", 2, organisation="initech")
    )
    scheduled = set(Task.objects.values_list("organisation", "data__boefje__id"))
    for organisation in ("acme", "initech"):
        expected = DATA.boefjes_for(organisation, "IPAddressV4", 2)
        assert {plugin_id for code, plugin_id in scheduled if code == organisation} == expected
    assert ("acme", "nmap") in scheduled
    assert ("initech", "nmap") not in scheduled


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mutation_while_katalogus_is_down_leaves_nothing_half_done(openkat_setting, katalogus, octopoes):
    katalogus.down("refused")
    octopoes.put("acme", "Hostname|internet|down.example.nl", "Hostname", 2)
    payload = mutation("Hostname|internet|down.example.nl", "Hostname", 2, organisation="acme")
    with pytest.raises(CatalogueUnavailable):
        ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=payload)
    # Not recorded as processed: the consumer's redelivery or dead letter keeps the event.
    assert not ProcessedMessage.objects.exists()
    assert not Task.objects.exists()
    katalogus.up()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=payload, redelivered=True)
    assert set(Task.objects.values_list("data__boefje__id", flat=True)) >= {"dns-records"}


def test_the_standalone_project_uses_the_openkat_catalogue_when_katalogus_and_octopoes_are_set():
    code = (
        "from scheduler_project import settings as s; "
        "print(*(s.ROCKY_SCHEDULER.get(key) for key in ('CATALOGUE', 'KATALOGUS_API', 'OCTOPOES_API')))"
    )
    env = os.environ | {"KATALOGUS_API": "http://katalogus:8000", "OCTOPOES_API": "http://octopoes:8000"}
    chosen = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert chosen.stdout.split() == [
        "rocky_scheduler.catalogue.openkat.OpenKATCatalogue",
        "http://katalogus:8000",
        "http://octopoes:8000",
    ]
    del env["OCTOPOES_API"]
    chosen = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert chosen.stdout.split()[0] == "None"


def test_without_urls_the_openkat_catalogue_says_what_is_missing():
    with pytest.raises(ImproperlyConfigured, match="KATALOGUS_API"):
        OpenKATCatalogue()
