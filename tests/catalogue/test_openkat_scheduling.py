"""Scheduling and rescheduling read the OpenKAT catalogue: plugin intervals and enablement from the
stand-in KATalogus, objects and their levels from the stand-in Octopoes."""

import datetime

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.catalogue import CatalogueUnavailable
from rocky_scheduler.models import Schedule, ScheduleEvent, Task, TaskStatus
from rocky_scheduler.services import task_pop, task_transition
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message
from rocky_scheduler.services.scheduling import schedule_due_push
from rocky_scheduler.services.scheduling.plugins import plugin_schedule_everywhere
from tests.scheduling.conftest import mutation
from tests.scheduling.test_rescheduling import Clock
from tests.support.openkat_data import openkat_data

pytestmark = pytest.mark.django_db

DATA = openkat_data()
DNS_RECORDS_INTERVAL = datetime.timedelta(minutes=next(p["interval"] for p in DATA.plugins if p["id"] == "dns-records"))


def hostname_in_octopoes(octopoes, name: str, *, organisation: str = "acme", level: int = 1) -> str:
    primary_key = f"Hostname|internet|{name}"
    octopoes.put(organisation, primary_key, "Hostname", level)
    return primary_key


def complete_all(clock: Clock) -> list[Task]:
    tasks = task_pop(scheduler_id="boefje", limit=50, clock=clock)
    return [task_transition(task_id=task.id, status=TaskStatus.COMPLETED, clock=clock) for task in tasks]


def test_completed_work_recurs_after_the_interval_katalogus_gives(openkat_setting, octopoes):
    clock = Clock()
    primary_key = hostname_in_octopoes(octopoes, "recurring.example.nl")
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(primary_key, "Hostname", 1), clock=clock)
    done = {task.data["boefje"]["id"]: task for task in complete_all(clock)}
    assert set(done) == DATA.boefjes_for("acme", "Hostname", 1)
    schedule = Schedule.objects.get(pk=done["dns-records"].schedule_id)
    assert schedule.deadline_at == clock.now + DNS_RECORDS_INTERVAL

    clock.advance(seconds=DNS_RECORDS_INTERVAL.total_seconds() - 60)
    schedule_due_push(clock=clock)
    assert not Task.objects.filter(schedule_id=schedule.id, status=TaskStatus.QUEUED).exists()
    clock.advance(minutes=2)
    schedule_due_push(clock=clock)
    assert Task.objects.filter(schedule_id=schedule.id, status=TaskStatus.QUEUED).count() == 1


def test_due_schedules_of_objects_gone_from_octopoes_or_plugins_disabled_in_katalogus_are_disabled(
    openkat_setting, katalogus, octopoes
):
    clock = Clock()
    keys = {name: hostname_in_octopoes(octopoes, f"{name}.example.nl") for name in ("gone", "off", "ok")}
    for primary_key in keys.values():
        ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(primary_key, "Hostname", 1), clock=clock)
    complete_all(clock)
    Schedule.objects.update(deadline_at=clock.now - datetime.timedelta(minutes=1))
    octopoes.delete("acme", keys["gone"])
    Schedule.objects.filter(data__input_ooi=keys["off"]).update(organisation="initech")
    for plugin_id in DATA.boefjes_for("initech", "Hostname", 1):
        katalogus.set_enabled("initech", plugin_id, False)

    # KATalogus changed after the first look: read it again instead of waiting PLUGIN_CACHE_SECONDS.
    with override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | {"PLUGIN_CACHE_SECONDS": 0}):
        result = schedule_due_push(clock=clock)

    per_object = len(DATA.boefjes_for("acme", "Hostname", 1))
    assert (result.queued, result.disabled) == (per_object, 2 * per_object)
    reasons = set(ScheduleEvent.objects.filter(kind="disabled").values_list("reason", flat=True))
    assert any("no longer exists" in reason for reason in reasons)
    assert any("not enabled" in reason for reason in reasons)
    queued = Task.objects.filter(status=TaskStatus.QUEUED).values_list("data__input_ooi", flat=True)
    assert set(queued) == {keys["ok"]}


def test_a_plugin_enabled_in_katalogus_is_scheduled_for_every_object_octopoes_has_for_it(openkat_setting, katalogus):
    katalogus.set_enabled("initech", "nmap", True)
    outcome = plugin_schedule_everywhere(organisation="initech", plugin_id="nmap")
    expected = {
        primary_key
        for primary_key, ooi in DATA.objects["initech"].items()
        if ooi["object_type"] in {"IPAddressV4", "IPAddressV6"} and (ooi["scan_profile"] or {}).get("level", 0) >= 2
    }
    assert len(expected) > 100
    queued = set(
        Task.objects.filter(organisation="initech", data__boefje__id="nmap").values_list("data__input_ooi", flat=True)
    )
    assert queued == expected
    assert len(outcome.scheduled) == len(expected)


@pytest.mark.parametrize("service", ["katalogus", "octopoes"])
def test_an_outage_during_rescheduling_disables_no_schedule_and_the_next_run_queues_them(
    openkat_setting, katalogus, octopoes, service
):
    clock = Clock()
    keys = [hostname_in_octopoes(octopoes, f"outage{number}.example.nl") for number in range(3)]
    for primary_key in keys:
        ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(primary_key, "Hostname", 1), clock=clock)
    complete_all(clock)
    Schedule.objects.update(deadline_at=clock.now - datetime.timedelta(minutes=1))
    down = {"katalogus": katalogus, "octopoes": octopoes}[service]
    down.down("503")

    # Nothing answered is not "object gone" or "plugin disabled": no schedule is given up on a guess.
    with override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | {"PLUGIN_CACHE_SECONDS": 0}):
        with pytest.raises(CatalogueUnavailable):
            schedule_due_push(clock=clock)
        assert not Schedule.objects.filter(enabled=False).exists()

        down.up()
        result = schedule_due_push(clock=clock)
    assert (result.queued, result.disabled) == (Schedule.objects.count(), 0)
