"""A boefje schedule carries its plugin's interval (and cron): copied when its work is pushed, refreshed when the
plugin changes (the embedded catalogue's admin, KATalogus through the reconciliation, the rescheduler), and every
deadline change is in the schedule's history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rocky_scheduler.catalogue import get_catalogue
from rocky_scheduler.models import Plugin, Schedule, ScheduleEvent, Task, TaskStatus
from rocky_scheduler.services import task_pop, task_push, task_transition
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message
from rocky_scheduler.services.scheduling import schedule_due_push
from rocky_scheduler.services.scheduling.plugin_reconcile import plugins_reconcile
from tests.factories import boefje_data
from tests.scheduling.conftest import mutation
from tests.support.api_clients import PREFIX
from tests.support.katalogus_standin import KATalogusStandIn
from tests.support.octopoes_standin import OctopoesStandIn
from tests.support.openkat_data import demo_data
from tests.support.openkat_fixtures import openkat_catalogue_chosen

pytestmark = pytest.mark.django_db

PK = "Hostname|internet|a.com"
HOUR = datetime.timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def complete_one(clock: Clock) -> Task:
    [task] = task_pop(scheduler_id="boefje", clock=clock)
    return task_transition(task_id=task.id, status=TaskStatus.COMPLETED, clock=clock)


def deadline_events(schedule_id) -> list[ScheduleEvent]:
    return list(ScheduleEvent.objects.filter(schedule_id=schedule_id, kind=ScheduleEvent.Kind.DEADLINE))


def test_scheduling_copies_the_plugin_interval_and_cron_onto_the_new_schedule(catalogue):
    Plugin.objects.filter(pk="dns-records").update(interval=60, cron="0 3 * * *")
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1))
    schedule = Schedule.objects.get(data__boefje__id="dns-records")
    assert (schedule.interval, schedule.schedule) == (HOUR, "0 3 * * *")


def test_a_push_after_the_interval_changed_refreshes_the_schedule_and_moves_its_deadline(catalogue):
    clock = Clock()
    Plugin.objects.filter(pk="dns-records").update(interval=60)
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    first = complete_one(clock)
    assert Schedule.objects.get(pk=first.schedule_id).deadline_at == clock.now + HOUR

    # The plugin changed where no hook saw it; the next push of the work (a user's, through the API) brings it.
    Plugin.objects.filter(pk="dns-records").update(interval=180)
    get_catalogue().clear_cache()
    schedule = Schedule.objects.get(pk=first.schedule_id)
    task_push(scheduler_id="boefje", organisation="acme", data=schedule.data, priority=1, clock=clock)
    schedule.refresh_from_db()
    assert (schedule.interval, schedule.deadline_at) == (3 * HOUR, clock.now + 3 * HOUR)
    assert deadline_events(schedule.pk)[-1].deadline_from == clock.now + HOUR


def test_the_rescheduler_clears_deadlines_with_history_and_fills_a_missing_interval(catalogue):
    clock = Clock()
    Plugin.objects.filter(pk="dns-records").update(interval=60)
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    first = complete_one(clock)
    # A schedule from before migration 0012: no interval yet, so its deadline was the grace period.
    Schedule.objects.filter(pk=first.schedule_id).update(interval=None)

    clock.advance(hours=1, seconds=1)
    assert schedule_due_push(clock=clock).queued == 1
    schedule = Schedule.objects.get(pk=first.schedule_id)
    assert (schedule.interval, schedule.deadline_at) == (HOUR, None)
    cleared = deadline_events(schedule.pk)[-1]
    assert (cleared.deadline_from, cleared.deadline_to, cleared.actor) == (
        clock.now - datetime.timedelta(seconds=1),
        None,
        "system:rescheduler",
    )
    complete_one(clock)
    assert Schedule.objects.get(pk=first.schedule_id).deadline_at == clock.now + HOUR


def test_changing_the_interval_in_the_plugin_admin_refreshes_its_schedules(catalogue, admin_client):
    clock = Clock()
    Plugin.objects.filter(pk="dns-records").update(interval=60)
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    first = complete_one(clock)
    plugin = Plugin.objects.get(pk="dns-records")
    form = {
        "id": plugin.pk,
        "type": plugin.type,
        "name": plugin.name,
        "version": plugin.version,
        "oci_image": plugin.oci_image,
        "description": plugin.description,
        "scan_level": plugin.scan_level,
        "consumes": '["Hostname"]',
        "produces": "[]",
        "interval": "120",
        "cron": "",
        "run_on": "null",
    }
    url = reverse("admin:rocky_scheduler_plugin_change", args=[plugin.pk])
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    schedule = Schedule.objects.get(pk=first.schedule_id)
    assert schedule.interval == 2 * HOUR
    assert schedule.deadline_at == clock.now + 2 * HOUR


def test_the_reconciliation_brings_a_katalogus_interval_change_to_the_schedules(catalogue):
    katalogus, octopoes = KATalogusStandIn(demo_data()).start(), OctopoesStandIn(demo_data()).start()
    try:
        with openkat_catalogue_chosen(katalogus, octopoes):
            octopoes.put("acme", PK, "Hostname", 1)
            clock = Clock()
            ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
            first = complete_one(clock)
            assert Schedule.objects.get(pk=first.schedule_id).interval is None

            next(plugin for plugin in katalogus.plugins if plugin["id"] == "dns-records")["interval"] = 45
            plugins_reconcile(limit=10, clock=clock)
            schedule = Schedule.objects.get(pk=first.schedule_id)
            assert schedule.interval == datetime.timedelta(minutes=45)
            # The grace period it had stands in for "no interval": its last finish stays the starting point.
            assert schedule.deadline_at == clock.now + datetime.timedelta(minutes=45)
    finally:
        katalogus.stop()
        octopoes.stop()


def test_an_analyst_deadline_edit_is_in_the_history(admin_api):
    body = {"scheduler_id": "boefje", "organisation": "acme", "data": boefje_data(), "schedule": "0 * * * *"}
    schedule = admin_api.post(f"{PREFIX}/schedules", body, format="json").json()
    patched = admin_api.patch(
        f"{PREFIX}/schedules/{schedule['id']}", {"deadline_at": "2030-01-01T00:00:00+00:00"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    created, edited = deadline_events(schedule["id"])
    assert (created.deadline_from, created.reason) == (None, "created")
    assert edited.deadline_to == datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    assert edited.actor and edited.deadline_from == created.deadline_to
