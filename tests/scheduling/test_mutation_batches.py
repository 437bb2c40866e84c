"""Several scan-profile mutations ingested as one batch give what one message at a time gives (issue 16)."""

import pytest

from rocky_scheduler.catalogue import EmbeddedCatalogue
from rocky_scheduler.catalogue.base import CatalogueUnavailable
from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.models import ProcessedMessage, Scheduler, Task, TaskStatus
from rocky_scheduler.services import task_pop, task_transition
from rocky_scheduler.services.common import scheduler_cache
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS
from rocky_scheduler.services.ingest_batch import BatchMessage, ingest_batch
from rocky_scheduler.services.schedule_admin import schedule_set_enabled
from tests.scheduling.conftest import mutation

pytestmark = pytest.mark.django_db


def batch(*messages: dict, redelivered: bool = False):
    return ingest_batch([BatchMessage(SCAN_PROFILE_MUTATIONS, message, redelivered) for message in messages])


def host(name: str) -> str:
    return f"Hostname|internet|{name}.example.com"


def boefje_tasks(pk: str, status: str = TaskStatus.QUEUED) -> list[str]:
    tasks = Task.objects.filter(scheduler_id="boefje", data__input_ooi=pk, status=status)
    return list(tasks.values_list("data__boefje__id", flat=True))


def test_each_rule_gives_each_message_its_own_outcome(catalogue):
    batch(mutation(host("queued"), "Hostname", 1), mutation(host("ran"), "Hostname", 1))
    popped = task_pop(scheduler_id="boefje", limit=10)
    [ran] = [task for task in popped if task.data["input_ooi"] == host("ran")]
    task_transition(task_id=ran.id, status="completed")

    results = batch(
        mutation(host("queued"), "Hostname", 1, operation="update"),
        mutation(host("ran"), "Hostname", 1, operation="update"),
        mutation(host("new"), "Hostname", 1),
        mutation("IPAddressV4|internet|10.0.0.1", "IPAddressV4", 1),
    )

    [queued, recent, new, low] = [result.outcome for result in results]
    assert [skip["reason"] for skip in queued.skipped] == ["already queued or running"]
    assert [skip["reason"] for skip in recent.skipped] == ["ran within its interval"]
    assert len(new.scheduled) == 1 and boefje_tasks(host("new")) == ["dns-records"]
    assert low.scheduled == [] and "scan level 2 is above" in low.skipped[0]["reason"]
    assert Task.objects.filter(scheduler_id="boefje", status=TaskStatus.QUEUED).count() == 1
    assert ProcessedMessage.objects.count() == 6


def test_a_schedule_switched_off_by_a_person_is_not_queued_again(catalogue):
    pk = host("held")
    batch(mutation(pk, "Hostname", 1))
    task = Task.objects.get(data__input_ooi=pk)
    task_transition(task_id=task.pk, status="cancelled")
    schedule_set_enabled(schedule_id=task.schedule_id, enabled=False, actor="user:alice")

    [result] = batch(mutation(pk, "Hostname", 1, operation="update"))

    assert [skip["reason"] for skip in result.outcome.skipped] == ["its schedule is disabled or de-scheduled"]
    assert boefje_tasks(pk) == []


def test_a_full_queue_refuses_as_a_push_would(catalogue):
    Scheduler.objects.filter(pk="boefje").update(maxsize=2)
    scheduler_cache.clear()

    results = batch(*(mutation(host(f"full{index}"), "Hostname", 1) for index in range(4)))

    assert [len(result.outcome.scheduled) for result in results] == [1, 1, 0, 0]
    assert [skip["reason"] for skip in results[3].outcome.skipped] == ["queue full"]
    scheduler_cache.clear()


def test_messages_about_one_object_keep_their_order(catalogue):
    pk = host("order")
    results = batch(
        mutation(pk, "Hostname", 1),
        mutation(pk, "Hostname", 0, operation="delete"),
        mutation(pk, "Hostname", 1),
    )

    assert [result.outcome.cancelled for result in results] == [0, 1, 0]
    assert boefje_tasks(pk, TaskStatus.CANCELLED) == ["dns-records"]
    assert boefje_tasks(pk) == ["dns-records"]


def test_a_redelivered_message_already_processed_schedules_nothing(catalogue):
    message = mutation(host("again"), "Hostname", 1)
    batch(message)
    Task.objects.update(status=TaskStatus.COMPLETED)

    [result] = batch(message, redelivered=True)

    assert result.outcome.scheduled == [] and result.outcome.skipped == []
    assert Task.objects.count() == 1


class FlakyCatalogue(EmbeddedCatalogue):
    """KATalogus down for one organisation's plugins, and a broken object type: failures inside a batch."""

    def enabled_plugins(self, *, organisation: str, plugin_type: str):
        if organisation == "globex":
            raise CatalogueUnavailable("katalogus", "connection refused")
        return super().enabled_plugins(organisation=organisation, plugin_type=plugin_type)

    def record_ooi(self, ooi):
        if ooi.object_type == "Broken":
            raise RuntimeError("broken")
        return super().record_ooi(ooi)

    def record_oois(self, oois):
        if any(ooi.object_type == "Broken" for ooi in oois):
            raise RuntimeError("broken")
        super().record_oois(oois)


@pytest.fixture
def flaky(settings, catalogue):
    settings.ROCKY_SCHEDULER = {"CATALOGUE": f"{__name__}.FlakyCatalogue"}


def test_a_failing_message_is_rolled_back_alone_and_an_outage_stops_the_batch_there(flaky):
    results = batch(
        mutation(host("first"), "Hostname", 1),
        {"operation": "create"},  # refused by the parser
        mutation(host("broken"), "Broken", 1),
        mutation(host("second"), "Hostname", 1),
        mutation(host("globex"), "Hostname", 1, organisation="globex"),
        mutation(host("after"), "Hostname", 1),
    )

    assert [type(result.error).__name__ if result.error else None for result in results] == [
        None,
        InvalidInput.__name__,
        "RuntimeError",
        None,
        "CatalogueUnavailable",
        None,
    ]
    assert [result.attempted for result in results] == [True, True, True, True, True, False]
    assert boefje_tasks(host("first")) == boefje_tasks(host("second")) == ["dns-records"]
    assert boefje_tasks(host("broken")) == boefje_tasks(host("after")) == []
    assert ProcessedMessage.objects.count() == 2
