"""Finding tasks: by scheduler, status, organisation and type; by hash, OOI, plugin or task id."""

import pytest

from rocky_scheduler.models import Organisation, Plugin, TaskStatus
from rocky_scheduler.services import task_push
from tests.admin.conftest import changelist
from tests.factories import TaskFactory, boefje_data, normalizer_data

pytestmark = pytest.mark.django_db


def shown(client, query: str, model: str = "task") -> set:
    response = client.get(changelist(model) + query)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.fixture
def tasks(db):
    Organisation.objects.create(code="acme", name="ACME")
    Organisation.objects.create(code="globex", name="Globex")
    return {
        "nmap": task_push(
            scheduler_id="boefje",
            organisation="acme",
            data=boefje_data(ooi="IPAddressV4|internet|192.0.2.7", boefje_id="nmap"),
            priority=5,
        ),
        "dns": task_push(
            scheduler_id="boefje",
            organisation="globex",
            data=boefje_data(ooi="Hostname|internet|example.org", organisation="globex"),
            priority=5,
        ),
        "normalizer": task_push(scheduler_id="normalizer", organisation="acme", data=normalizer_data(), priority=5),
        "failed": TaskFactory(status=TaskStatus.FAILED),
    }


def test_filters_by_scheduler_status_organisation_and_type(admin_client, tasks):
    ids = {name: task.pk for name, task in tasks.items()}

    assert shown(admin_client, "?scheduler__id__exact=normalizer") == {ids["normalizer"]}
    assert shown(admin_client, "?status__exact=failed") == {ids["failed"]}
    assert shown(admin_client, "?organisation=globex") == {ids["dns"]}
    assert shown(admin_client, "?type__exact=boefje&status__exact=queued") == {ids["nmap"], ids["dns"]}


def test_the_organisation_filter_lists_catalogue_organisations_and_any_given_code(admin_client, tasks):
    response = admin_client.get(changelist("task") + "?organisation=initech")
    [organisation_filter] = [spec for spec in response.context["cl"].filter_specs if spec.title == "organisation"]

    assert list(organisation_filter.lookup_choices) == [("acme", "ACME"), ("globex", "Globex"), ("initech", "initech")]
    assert list(response.context["cl"].result_list) == []


def test_search_by_ooi_plugin_hash_readable_identity_and_task_id(admin_client, tasks):
    nmap, normalizer = tasks["nmap"], tasks["normalizer"]
    # Plugin ids are searched when the catalogue knows them; the OOI as a whole (exact, indexed: issue 16).
    Plugin.objects.create(id="nmap", type="boefje", name="Nmap")
    Plugin.objects.create(id="kat_dns_normalize", type="normalizer", name="DNS")

    assert shown(admin_client, "?q=IPAddressV4%7Cinternet%7C192.0.2.7") == {nmap.pk}
    assert shown(admin_client, "?q=nmap") == {nmap.pk}
    assert shown(admin_client, f"?q={nmap.hash}") == {nmap.pk}
    assert shown(admin_client, "?q=" + "IPAddressV4|internet|192.0.2.7-nmap-acme".replace("|", "%7C")) == {nmap.pk}
    assert shown(admin_client, f"?q={nmap.pk}") == {nmap.pk}
    assert shown(admin_client, "?q=kat_dns_normalize") == {normalizer.pk}
    # A normalizer task is found by the OOI its raw data came from.
    assert normalizer.pk in shown(admin_client, "?q=Hostname%7Cinternet%7Cexample.com")


def test_search_matches_whole_values_only(admin_client, tasks):
    # A part of an OOI or of a plugin id the catalogue does not know is not searched: that read every task's JSON.
    assert shown(admin_client, "?q=192.0.2.7") == set()
    assert shown(admin_client, "?q=nmap") == set()

    Plugin.objects.create(id="nmap", type="boefje", name="Nmap")

    assert shown(admin_client, "?q=nmap") == {tasks["nmap"].pk}


def test_search_within_a_filter_stays_within_it(admin_client, tasks):
    assert shown(admin_client, f"?status__exact=failed&q={tasks['nmap'].pk}") == set()


def test_history_search_by_task_id_and_actor(admin_client, tasks):
    nmap = tasks["nmap"]

    assert {event.task_id for event in _events(admin_client, f"?q={nmap.pk}")} == {nmap.pk}
    assert _events(admin_client, "?q=user:nobody") == []


def _events(client, query: str) -> list:
    return list(client.get(changelist("taskevent") + query).context["cl"].result_list)


def test_dashboard_style_links_into_the_task_list_work(admin_client, tasks):
    # The dashboard links with these parameters (rocky_scheduler/dashboard/presentation.py).
    query = "?scheduler__id__exact=boefje&status__exact=queued&organisation=acme"
    assert shown(admin_client, query) == {tasks["nmap"].pk}


def test_search_by_the_short_id_the_list_shows(admin_client, tasks):
    nmap = tasks["nmap"]
    short = str(nmap.pk)[:8]

    assert nmap.pk in shown(admin_client, f"?q={short}")
    assert shown(admin_client, f"?q={short.upper()}") == shown(admin_client, f"?q={short}")
    # Every task found by the prefix starts with it (a range on the primary key, not a match anywhere in it).
    assert all(str(pk).startswith(short) for pk in shown(admin_client, f"?q={short}"))
    assert nmap.pk in shown(admin_client, f"?q={str(nmap.pk)[:13]}")
    # Its history is found by the same short id.
    assert {event.task_id for event in _events(admin_client, f"?q={short}")} >= {nmap.pk}


def test_search_by_organisation_code(admin_client, tasks):
    assert shown(admin_client, "?q=globex") == {tasks["dns"].pk}
    assert shown(admin_client, "?q=acme") >= {tasks["nmap"].pk, tasks["normalizer"].pk}
    assert tasks["dns"].pk not in shown(admin_client, "?q=acme")
