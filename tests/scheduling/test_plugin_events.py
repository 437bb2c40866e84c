"""A plugin switched on or off for an organisation: the ingest event, and the reconciliation that catches
lost ones (docs/architecture.md, "Plugin enablement: a signal and a reconciliation"), on both catalogues."""

import json
import re
import shlex
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django_q.models import Schedule as QSchedule

from rocky_scheduler.catalogue import get_catalogue
from rocky_scheduler.catalogue.base import OOIInfo
from rocky_scheduler.errors import NotFound
from rocky_scheduler.models import JobCursor, Organisation, PluginEnablement, Schedule, Task, TaskStatus
from rocky_scheduler.services.schedule_admin import schedule_set_enabled
from rocky_scheduler.services.scheduling.plugin_reconcile import plugins_reconcile
from rocky_scheduler.services.scheduling.plugin_sync import PluginEvent, plugin_event_apply
from tests.support.api_clients import PREFIX
from tests.support.doc_snippets import snippet
from tests.support.katalogus_standin import KATalogusStandIn
from tests.support.octopoes_standin import OctopoesStandIn
from tests.support.openkat_data import demo_data
from tests.support.openkat_fixtures import openkat_catalogue_chosen

pytestmark = pytest.mark.django_db

URL = f"{PREFIX}/ingest/plugin_enablements"
ACME_LEVEL_TWO = {f"IPAddressV4|internet|10.0.0.{number}" for number in (1, 2, 3)}


@dataclass
class World:
    """The catalogue under test, changed the way its source changes: the embedded tables, or the stand-ins."""

    kind: str
    katalogus: KATalogusStandIn | None = None
    octopoes: OctopoesStandIn | None = None

    def put(self, organisation: str, primary_key: str, object_type: str, level: int) -> None:
        if self.octopoes is not None:
            self.octopoes.put(organisation, primary_key, object_type, level)
        else:
            get_catalogue().record_ooi(OOIInfo(organisation, primary_key, object_type, level))

    def switch(self, organisation: str, plugin_id: str, enabled: bool) -> None:
        """Switch the plugin in the catalogue's source without telling the scheduler (a lost event)."""
        if self.katalogus is not None:
            self.katalogus.set_enabled(organisation, plugin_id, enabled)
        else:
            PluginEnablement.objects.filter(organisation__code=organisation, plugin_id=plugin_id).update(
                enabled=enabled
            )

    def add_organisation(self, code: str) -> None:
        if self.katalogus is not None:
            self.katalogus.organisations[code] = code
            self.katalogus.enabled[code] = set()
        else:
            Organisation.objects.create(code=code, name=code)


@pytest.fixture(params=["embedded", "openkat"])
def world(request, catalogue):
    """acme with nmap (level 2, IP addresses) switched off; three level-2 addresses, one level-1 address and a
    hostname; globex (nmap on) with two level-2 addresses. Nothing scheduled yet."""
    if request.param == "embedded":
        setup = World("embedded")
        yield _populated(setup)
        return
    katalogus, octopoes = KATalogusStandIn(demo_data()).start(), OctopoesStandIn(demo_data()).start()
    try:
        with openkat_catalogue_chosen(katalogus, octopoes):
            yield _populated(World("openkat", katalogus, octopoes))
    finally:
        katalogus.stop()
        octopoes.stop()


def _populated(world: World) -> World:
    world.switch("acme", "nmap", False)
    for primary_key in sorted(ACME_LEVEL_TWO):
        world.put("acme", primary_key, "IPAddressV4", 2)
    world.put("acme", "IPAddressV4|internet|10.0.0.9", "IPAddressV4", 1)
    world.put("acme", "Hostname|internet|a.example", "Hostname", 1)
    world.put("globex", "IPAddressV4|internet|10.9.0.1", "IPAddressV4", 2)
    world.put("globex", "IPAddressV4|internet|10.9.0.2", "IPAddressV4", 2)
    return world


def tuned(**keys) -> override_settings:
    """These ROCKY_SCHEDULER keys changed, the rest (the catalogue chosen) kept."""
    return override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | keys)


def nmap_schedules(organisation: str = "acme", **filters) -> set[str]:
    schedules = Schedule.objects.filter(data__boefje__id="nmap", organisation=organisation, **filters)
    return set(schedules.values_list("data__input_ooi", flat=True))


def event(enabled: bool, *, organisation: str = "acme", plugin_id: str = "nmap") -> dict:
    return {"organisation": organisation, "plugin_id": plugin_id, "enabled": enabled}


def enable(world: World, worker_api, organisation: str = "acme", plugin_id: str = "nmap"):
    """What KATalogus does: switch the plugin on, then send the event."""
    world.switch(organisation, plugin_id, True)
    return worker_api.post(URL, event(True, organisation=organisation, plugin_id=plugin_id), format="json")


def test_enable_event_schedules_the_organisations_matching_objects_and_nobody_elses(world, worker_api):
    response = enable(world, worker_api)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["enabled"] is True and body["changed"] is True and body["scheduled"] == 3
    assert nmap_schedules(enabled=True) == ACME_LEVEL_TWO, "the level-1 address and the hostname are not for nmap"
    assert nmap_schedules("globex") == set(), "globex sent no event"
    queued = Task.objects.filter(data__boefje__id="nmap", status=TaskStatus.QUEUED)
    assert set(queued.values_list("organisation", flat=True)) == {"acme"}


def test_the_same_event_twice_does_the_work_once(world, worker_api):
    enable(world, worker_api)
    tasks = Task.objects.count()

    again = worker_api.post(URL, event(True), format="json")

    assert again.status_code == 202
    assert again.json() | {"changed": False} == again.json(), "a repeated event changes nothing"
    assert again.json()["scheduled"] == 0 and again.json()["schedules_enabled"] == 0
    assert Task.objects.count() == tasks


def test_disable_event_disables_the_schedules_and_leaves_queued_tasks(world, worker_api):
    enable(world, worker_api)
    world.switch("acme", "nmap", False)

    response = worker_api.post(URL, event(False), format="json")

    assert response.status_code == 202
    assert response.json()["schedules_disabled"] == 3
    assert nmap_schedules(enabled=True) == set()
    assert nmap_schedules(enabled=False) == ACME_LEVEL_TWO
    assert Task.objects.filter(data__boefje__id="nmap", status=TaskStatus.QUEUED).count() == 3
    again = worker_api.post(URL, event(False), format="json")
    assert again.json()["schedules_disabled"] == 0 and again.json()["changed"] is False


def test_enabling_again_resumes_the_schedules_but_not_one_a_person_switched_off(world, worker_api):
    enable(world, worker_api)
    kept_off = Schedule.objects.get(data__input_ooi="IPAddressV4|internet|10.0.0.1", data__boefje__id="nmap")
    world.switch("acme", "nmap", False)
    worker_api.post(URL, event(False), format="json")
    schedule_set_enabled(schedule_id=kept_off.pk, enabled=True, actor="alice")
    schedule_set_enabled(schedule_id=kept_off.pk, enabled=False, actor="alice", reason="too noisy")

    response = enable(world, worker_api)

    assert response.json()["schedules_enabled"] == 2
    assert nmap_schedules(enabled=True) == ACME_LEVEL_TWO - {"IPAddressV4|internet|10.0.0.1"}


@pytest.mark.parametrize(
    "body, field",
    [
        ([], "body"),
        ("nmap", "body"),
        ({"plugin_id": "nmap", "enabled": True}, "organisation"),
        ({"organisation": "acme", "enabled": True}, "plugin_id"),
        ({"organisation": "acme", "plugin_id": "nmap"}, "enabled"),
        ({"organisation": "", "plugin_id": "nmap", "enabled": True}, "organisation"),
        ({"organisation": 7, "plugin_id": "nmap", "enabled": True}, "organisation"),
        ({"organisation": "acme", "plugin_id": ["nmap"], "enabled": True}, "plugin_id"),
        ({"organisation": "acme", "plugin_id": "nmap", "enabled": "true"}, "enabled"),
        ({"organisation": "acme", "plugin_id": "nmap", "enabled": 1}, "enabled"),
    ],
)
def test_a_malformed_event_is_a_400_naming_the_field_and_changes_nothing(catalogue, worker_api, body, field):
    response = worker_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["detail"]
    assert not Schedule.objects.exists()


def test_an_unknown_plugin_is_a_404(world, worker_api):
    response = worker_api.post(URL, event(True, plugin_id="no-such-boefje"), format="json")

    assert response.status_code == 404
    assert "no-such-boefje" in response.json()["detail"]


def test_only_workers_may_send_events(catalogue, readonly_api, anonymous_api):
    assert readonly_api.post(URL, event(True), format="json").status_code == 403
    assert anonymous_api.post(URL, event(True), format="json").status_code == 401
    assert not Schedule.objects.exists()


@pytest.mark.parametrize("world", ["openkat"], indirect=True)
def test_katalogus_decides_when_the_event_disagrees(world):
    """An event that overtook a later switch back: the scheduler does what KATalogus says now."""
    result = plugin_event_apply(event=PluginEvent("acme", "nmap", enabled=True))

    assert result.enabled is False and result.scheduled == 0
    assert nmap_schedules() == set()


def test_more_objects_than_one_batch_are_scheduled_in_the_background(world, django_capture_on_commit_callbacks):
    world.switch("acme", "nmap", True)
    deferred = []
    with tuned(BATCH_SIZE=2), django_capture_on_commit_callbacks(execute=True):
        result = plugin_event_apply(
            event=PluginEvent("acme", "nmap", enabled=True), defer=lambda *args: deferred.append(args)
        )

    assert result.deferred is True and result.scheduled == 0
    assert deferred == [("acme", "nmap")]


def test_reconciliation_catches_up_a_lost_enable_and_a_lost_disable(world):
    world.switch("acme", "nmap", True)  # KATalogus changed; the event never arrived

    first = plugins_reconcile()

    assert "acme" in first.organisations
    assert nmap_schedules(enabled=True) == ACME_LEVEL_TWO
    assert plugins_reconcile().scheduled == 0, "a second run finds nothing out of step"

    world.switch("acme", "nmap", False)
    plugins_reconcile()
    assert nmap_schedules(enabled=True) == set()
    assert nmap_schedules(enabled=False) == ACME_LEVEL_TWO


def test_reconciliation_visits_organisations_round_robin_within_its_bound(world):
    for code in ("delta", "echo", "foxtrot"):
        world.add_organisation(code)

    with tuned(PLUGIN_RECONCILE_ORGANISATIONS=2):
        rounds = [plugins_reconcile().organisations for _ in range(4)]

    assert rounds == [["acme", "delta"], ["echo", "foxtrot"], ["globex", "acme"], ["delta", "echo"]]
    assert JobCursor.objects.get().position == "echo"


@override_settings(ROCKY_SCHEDULER={"PLUGIN_RECONCILE_MINUTES": 7})
def test_setup_schedules_declares_the_reconciliation_every_configured_minutes():
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115 - discarded output

    job = QSchedule.objects.get(name="rocky_scheduler.plugin_reconcile")
    assert (job.func, job.minutes) == ("rocky_scheduler.jobs.plugins_reconcile", 7)


def test_the_embedded_catalogue_records_the_switch_the_event_carries(catalogue):
    PluginEnablement.objects.filter(organisation__code="acme", plugin_id="nmap").update(enabled=False)

    plugin_event_apply(event=PluginEvent("acme", "nmap", enabled=True))

    assert PluginEnablement.objects.get(organisation__code="acme", plugin_id="nmap").enabled is True
    with pytest.raises(NotFound):
        plugin_event_apply(event=PluginEvent("acme", "nope", enabled=True))


def test_the_guides_curl_example_is_an_event_the_endpoint_takes(world, worker_api):
    """docs/rocky-integration.md step 9, sent as written (Rocky's mount point replaced by this project's)."""
    words = shlex.split(snippet("plugin-event").replace("\\\n", " "))
    url = next(word for word in words if word.startswith("https://"))
    body = json.loads(words[words.index("-d") + 1])
    path = PREFIX + re.sub(r"^https://[^/]+/api/v1/scheduler", "", url)
    world.switch(body["organisation"], body["plugin_id"], True)

    response = worker_api.post(path, body, format="json")

    assert response.status_code == 202, response.content
    assert response.json() == json.loads(snippet("plugin-event-answer")), "the guide shows this very answer"
