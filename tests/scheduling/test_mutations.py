"""Scan-profile mutations and raw files become exactly the tasks DESIGN.md's rules allow."""

import datetime

import pytest
from django.utils import timezone

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.models import OOI, PluginEnablement, Task, TaskStatus
from rocky_scheduler.services import task_pop, task_transition
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS, ingest_message
from rocky_scheduler.services.ingest_batch import BatchMessage, ingest_batch
from rocky_scheduler.services.scheduling import plugin_set_enabled
from tests.scheduling.conftest import RAW_FILE_ID, mutation, raw_file

pytestmark = pytest.mark.django_db


def boefjes_for(pk: str) -> set[str]:
    return set(
        Task.objects.filter(scheduler_id="boefje", data__input_ooi=pk, status=TaskStatus.QUEUED).values_list(
            "data__boefje__id", flat=True
        )
    )


# Every rule holds for a message on its own (HTTP ingest of one, the sequential path) and in a batch (the
# consumer's and HTTP lists' path: a create or update is scheduled set-based there).
PATHS = {"one message": False, "batch": True}
_in_batch = {"on": False}


@pytest.fixture(autouse=True, params=list(PATHS))
def ingest_path(request):
    _in_batch["on"] = PATHS[request.param]
    yield request.param
    _in_batch["on"] = False


def ingest(message: dict, queue: str = SCAN_PROFILE_MUTATIONS):
    if not _in_batch["on"]:
        return ingest_message(queue=queue, payload=message)
    [result] = ingest_batch([BatchMessage(queue, message)])
    if result.error is not None:
        raise result.error
    return result.outcome


def test_level_zero_schedules_nothing_but_is_projected(catalogue):
    ingest(mutation("Hostname|internet|a.com", "Hostname", 0))
    assert not Task.objects.exists()
    assert OOI.objects.get(primary_key="Hostname|internet|a.com").scan_level == 0


def test_level_one_hostname_gets_dns_records(either_catalogue):
    outcome = ingest(mutation("Hostname|internet|a.com", "Hostname", 1))
    assert boefjes_for("Hostname|internet|a.com") == {"dns-records"}
    assert len(outcome.scheduled) == 1


def test_level_one_ip_skips_nmap_for_its_level(either_catalogue):
    outcome = ingest(mutation("IPAddressV4|internet|1.1.1.1", "IPAddressV4", 1))
    assert boefjes_for("IPAddressV4|internet|1.1.1.1") == set()
    assert outcome.skipped and "scan level" in outcome.skipped[0]["reason"]


def test_level_two_ip_gets_nmap(either_catalogue):
    ingest(mutation("IPAddressV4|internet|1.1.1.1", "IPAddressV4", 2))
    assert boefjes_for("IPAddressV4|internet|1.1.1.1") == {"nmap"}


def test_level_change_one_to_two_adds_level_two_boefjes(either_catalogue):
    pk = "Website|internet|1.1.1.1|tcp|443|https"
    ingest(mutation(pk, "Website", 1))
    assert boefjes_for(pk) == set()
    ingest(mutation(pk, "Website", 2, operation="update"))
    assert boefjes_for(pk) == {"ssl-certificates"}
    ingest(mutation(pk, "Website", 3, operation="update"))
    assert boefjes_for(pk) == {"ssl-certificates", "nuclei"}
    assert Task.objects.filter(data__input_ooi=pk).count() == 2, "ssl-certificates must not be queued twice"


def test_other_organisation_gets_its_own_tasks(either_catalogue):
    ingest(mutation("Hostname|internet|a.com", "Hostname", 1, organisation="globex"))
    assert Task.objects.get().organisation == "globex"


def test_disabled_plugin_schedules_nothing(catalogue):
    PluginEnablement.objects.filter(plugin_id="dns-records", organisation__code="acme").update(enabled=False)
    ingest(mutation("Hostname|internet|a.com", "Hostname", 1))
    assert not Task.objects.exists()


def test_recent_run_within_interval_is_not_repeated(either_catalogue):
    pk = "Hostname|internet|a.com"
    ingest(mutation(pk, "Hostname", 1))
    [task] = task_pop(scheduler_id="boefje")
    task_transition(task_id=task.id, status="completed")
    outcome = ingest(mutation(pk, "Hostname", 2, operation="update"))
    assert boefjes_for(pk) == set()
    assert outcome.skipped[0]["reason"] == "ran within its interval"


def test_run_long_ago_is_repeated(either_catalogue):
    pk = "Hostname|internet|a.com"
    ingest(mutation(pk, "Hostname", 1))
    [task] = task_pop(scheduler_id="boefje")
    task_transition(task_id=task.id, status="completed")
    Task.objects.filter(pk=task.pk).update(modified_at=timezone.now() - datetime.timedelta(days=2))
    ingest(mutation(pk, "Hostname", 1, operation="update"))
    assert boefjes_for(pk) == {"dns-records"}


def test_delete_cancels_queued_tasks_of_the_object(catalogue):
    pk = "Website|internet|1.1.1.1|tcp|443|https"
    ingest(mutation(pk, "Website", 3))
    other = "Hostname|internet|keep.com"
    ingest(mutation(other, "Hostname", 1))
    outcome = ingest({"operation": "delete", "primary_key": pk, "client_id": "acme", "value": None})
    assert outcome.cancelled == 2
    assert set(Task.objects.filter(data__input_ooi=pk).values_list("status", flat=True)) == {"cancelled"}
    assert boefjes_for(other) == {"dns-records"}
    assert not OOI.objects.filter(primary_key=pk).exists()


@pytest.mark.parametrize(
    "message",
    [
        "not an object",
        {"operation": "explode", "client_id": "acme", "primary_key": "x", "value": None},
        {"operation": "create", "client_id": "acme", "value": None},
        {"operation": "create", "client_id": "acme", "value": {"primary_key": "x", "object_type": "Hostname"}},
        {
            "operation": "create",
            "client_id": "acme",
            "value": {"primary_key": "x", "object_type": "Hostname", "scan_profile": {"level": 9}},
        },
    ],
)
def test_malformed_mutation_is_refused_and_changes_nothing(catalogue, message):
    with pytest.raises(InvalidInput):
        ingest(message)
    assert not Task.objects.exists() and not OOI.objects.exists()


def test_raw_file_schedules_matching_normalizer(either_catalogue):
    outcome = ingest(raw_file(["boefje/dns-records", "text/plain"]), RAW_FILE_RECEIVED)
    [task] = Task.objects.all()
    assert (task.scheduler_id, task.data["normalizer"]["id"]) == ("normalizer", "kat_dns_normalize")
    assert task.data["raw_data"]["id"] == RAW_FILE_ID
    assert outcome.scheduled == [str(task.id)]


def test_error_raw_file_schedules_nothing(catalogue):
    ingest(raw_file(["boefje/dns-records", "error/boefje"]), RAW_FILE_RECEIVED)
    assert not Task.objects.exists()


def test_raw_file_without_a_consuming_normalizer_schedules_nothing(either_catalogue):
    ingest(raw_file(["boefje/unknown"]), RAW_FILE_RECEIVED)
    assert not Task.objects.exists()


def test_redelivered_message_schedules_nothing_twice(either_catalogue):
    message = raw_file(["boefje/dns-records"])
    ingest(message, RAW_FILE_RECEIVED)
    [task] = task_pop(scheduler_id="normalizer")
    task_transition(task_id=task.id, status="completed")
    ingest_message(queue=RAW_FILE_RECEIVED, payload=message, redelivered=True)
    assert Task.objects.count() == 1


def test_newly_enabled_plugin_is_scheduled_for_every_object_it_may_scan(catalogue):
    PluginEnablement.objects.filter(plugin_id="nmap", organisation__code="acme").update(enabled=False)
    for index in range(1200):
        ingest(
            mutation(f"IPAddressV4|internet|10.0.{index // 250}.{index % 250}", "IPAddressV4", 2 if index % 3 else 1)
        )
    assert not Task.objects.exists()
    outcome = plugin_set_enabled(organisation="acme", plugin_id="nmap", enabled=True)
    assert len(outcome.scheduled) == 800  # the level-2 two thirds; level-1 addresses are not cleared for nmap
    assert Task.objects.filter(data__boefje__id="nmap", status=TaskStatus.QUEUED).count() == 800
    again = plugin_set_enabled(organisation="acme", plugin_id="nmap", enabled=True)
    assert again.scheduled == []
