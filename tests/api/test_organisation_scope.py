"""ROCKY_SCHEDULER["ORGANISATION_ACCESS"] on the API: a user scoped to one organisation finds nothing of another,
not even in a count; workers serve every organisation unless scoped themselves.

Runs under both projects: the standalone one with the tests' group policy, the Rocky-shaped host with the shipped
Rocky policy (memberships), through the `scope_to` fixture (tests/support/access.py).
"""

import pytest
from django.contrib.auth.models import Permission

from rocky_scheduler.access import MAY_NOT_CHANGE_ORGANISATION
from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services import task_push
from tests.factories import boefje_data
from tests.ingest.payloads import mutation
from tests.support.api_clients import PREFIX, client_for, user_in

pytestmark = pytest.mark.django_db

OWN, OTHER = "alpha", "beta"


def push_tasks(organisation: str, count: int) -> list[str]:
    return [
        str(
            task_push(
                scheduler_id="boefje",
                organisation=organisation,
                data=boefje_data(ooi=f"Hostname|internet|{organisation}-{index}.example", organisation=organisation),
                actor="system:test",
            ).pk
        )
        for index in range(count)
    ]


@pytest.fixture
def tasks() -> dict[str, list[str]]:
    return {OWN: push_tasks(OWN, 2), OTHER: push_tasks(OTHER, 3)}


def scoped_client(scope_to, group: str, name: str, *, change: bool = True, permissions: tuple[str, ...] = ()):
    user = scope_to(user_in(group, name), [OWN], change=change)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="rocky_scheduler"))
    return client_for(user)


@pytest.fixture
def reader(scope_to):
    return scoped_client(scope_to, "scheduler-readonly", "alpha-reader")


@pytest.fixture
def analyst(scope_to):
    return scoped_client(
        scope_to, "scheduler-analysts", "alpha-analyst", permissions=("push_task", "add_schedule", "change_schedule")
    )


def organisations_of(page: dict) -> set[str]:
    return {row["organisation"] for row in page["results"]}


def test_lists_searches_and_counts_hold_only_the_users_organisation(reader, tasks):
    listed = reader.get(f"{PREFIX}/tasks").json()
    assert (listed["count"], organisations_of(listed)) == (2, {OWN})
    asked_for_other = reader.get(f"{PREFIX}/tasks", {"organisation": OTHER}).json()
    assert asked_for_other["count"] == 0
    searched = reader.post(
        f"{PREFIX}/tasks", {"filters": [{"column": "organisation", "operator": "eq", "value": OTHER}]}, format="json"
    ).json()
    assert searched["count"] == 0

    stats = reader.get(f"{PREFIX}/tasks/stats").json()
    assert sum(hour["total"] for hour in stats.values()) == 2
    (boefje,) = [row for row in reader.get(f"{PREFIX}/schedulers").json() if row["id"] == "boefje"]
    assert boefje["qsize"] == 2
    assert reader.get(f"{PREFIX}/schedulers/boefje").json()["qsize"] == 2
    assert {queue["id"]: queue["size"] for queue in reader.get(f"{PREFIX}/queues").json()}["boefje"] == 2
    assert reader.get(f"{PREFIX}/queues/boefje").json()["size"] == 2

    schedules = reader.get(f"{PREFIX}/schedules").json()
    assert (schedules["count"], organisations_of(schedules)) == (2, {OWN})
    schedule_search = reader.post(f"{PREFIX}/schedules/search", {}, format="json").json()
    assert organisations_of(schedule_search) == {OWN}


def test_another_organisations_task_and_schedule_are_not_found(reader, tasks):
    assert reader.get(f"{PREFIX}/tasks/{tasks[OWN][0]}").status_code == 200
    other = reader.get(f"{PREFIX}/tasks/{tasks[OTHER][0]}")
    assert other.status_code == 404
    # The same answer as for a task that never existed: nothing tells the organisation's task is there.
    assert other.json()["detail"] == f"Task {tasks[OTHER][0]} does not exist."
    other_schedule = Task.objects.get(pk=tasks[OTHER][0]).schedule_id
    assert reader.get(f"{PREFIX}/schedules/{other_schedule}").status_code == 404


def test_changes_to_another_organisation_are_refused(analyst, tasks):
    other_task = tasks[OTHER][0]
    patched = analyst.patch(f"{PREFIX}/tasks/{other_task}", {"priority": 1}, format="json")
    assert patched.status_code == 404
    cancelled = analyst.patch(f"{PREFIX}/tasks/{other_task}", {"status": "cancelled"}, format="json")
    assert cancelled.status_code == 404
    assert Task.objects.get(pk=other_task).status == TaskStatus.QUEUED

    pushed = analyst.post(
        f"{PREFIX}/schedulers/boefje/push", {"organisation": OTHER, "data": boefje_data(organisation=OTHER)}, "json"
    )
    assert pushed.status_code == 403
    assert pushed.json()["detail"] == MAY_NOT_CHANGE_ORGANISATION.format(organisation=OTHER)
    created = analyst.post(
        f"{PREFIX}/schedules",
        {
            "scheduler_id": "boefje",
            "organisation": OTHER,
            "data": boefje_data(organisation=OTHER),
            "schedule": "0 * * * *",
        },
        format="json",
    )
    assert created.status_code == 403
    other_schedule = Task.objects.get(pk=other_task).schedule_id
    assert analyst.patch(f"{PREFIX}/schedules/{other_schedule}", {"enabled": False}, format="json").status_code == 404
    assert Task.objects.filter(organisation=OTHER).count() == 3


def test_changes_to_the_users_own_organisation_go_through(analyst, tasks):
    patched = analyst.patch(f"{PREFIX}/tasks/{tasks[OWN][0]}", {"priority": 1}, format="json")
    assert (patched.status_code, patched.json()["priority"]) == (200, 1)
    pushed = analyst.post(
        f"{PREFIX}/schedulers/boefje/push", {"organisation": OWN, "data": boefje_data(organisation=OWN)}, "json"
    )
    assert pushed.status_code == 201, pushed.content


def test_a_user_who_may_only_see_an_organisation_may_not_change_it(scope_to, tasks):
    viewer = scoped_client(scope_to, "scheduler-analysts", "alpha-viewer", change=False)
    assert viewer.get(f"{PREFIX}/tasks/{tasks[OWN][0]}").status_code == 200
    patched = viewer.patch(f"{PREFIX}/tasks/{tasks[OWN][0]}", {"priority": 1}, format="json")
    assert patched.status_code == 403
    assert patched.json()["detail"] == MAY_NOT_CHANGE_ORGANISATION.format(organisation=OWN)


def test_a_worker_serves_every_organisation(worker_api, tasks):
    popped = worker_api.post(f"{PREFIX}/schedulers/boefje/pop", {"filters": _organisation(OTHER)}, "json").json()
    assert organisations_of(popped) == {OTHER}
    assert worker_api.get(f"{PREFIX}/tasks").json()["count"] == 5


def test_a_worker_scoped_to_an_organisation_pops_only_its_tasks(scope_to, tasks):
    runner = scoped_client(scope_to, "scheduler-workers", "alpha-runner")
    asked_for_other = runner.post(f"{PREFIX}/schedulers/boefje/pop", {"filters": _organisation(OTHER)}, "json")
    assert (asked_for_other.status_code, asked_for_other.json()["results"]) == (200, [])
    popped = runner.post(f"{PREFIX}/schedulers/boefje/pop?limit=10", format="json").json()
    assert sorted(task["id"] for task in popped["results"]) == sorted(tasks[OWN])
    assert Task.objects.filter(organisation=OTHER, status=TaskStatus.QUEUED).count() == 3


def test_the_default_policy_shows_every_organisation(settings, tasks):
    settings.ROCKY_SCHEDULER = {
        **settings.ROCKY_SCHEDULER,
        "ORGANISATION_ACCESS": "rocky_scheduler.access.AllOrganisationsAccess",
    }
    reader = client_for(user_in("scheduler-readonly", "everywhere-reader"))
    assert reader.get(f"{PREFIX}/tasks").json()["count"] == 5
    assert reader.get(f"{PREFIX}/tasks/{tasks[OTHER][0]}").status_code == 200


def _organisation(code: str) -> list[dict]:
    return [{"column": "organisation", "operator": "eq", "value": code}]


def test_anonymous_mode_on_a_trusted_network_sees_every_organisation(scope_to, settings, anonymous_api, tasks):
    assert anonymous_api.get(f"{PREFIX}/tasks").status_code == 401
    settings.ROCKY_SCHEDULER = {**settings.ROCKY_SCHEDULER, "API_ALLOW_ANONYMOUS": True}
    assert anonymous_api.get(f"{PREFIX}/tasks").json()["count"] == 5


def test_a_runner_scoped_to_an_organisation_sends_events_only_for_it(scope_to):
    runner = scoped_client(scope_to, "scheduler-workers", "alpha-sender")
    # Both messages of a batch are checked before any is applied: one foreign message refuses the batch.
    batch = [mutation(organisation=OWN), mutation(organisation=OTHER)]
    refused = runner.post(f"{PREFIX}/ingest/scan_profile_mutations", batch, "json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == MAY_NOT_CHANGE_ORGANISATION.format(organisation=OTHER)
    plugin = runner.post(
        f"{PREFIX}/ingest/plugin_enablements", {"organisation": OTHER, "plugin_id": "nmap", "enabled": True}, "json"
    )
    assert plugin.status_code == 403
    assert plugin.json()["detail"] == MAY_NOT_CHANGE_ORGANISATION.format(organisation=OTHER)
    own = runner.post(f"{PREFIX}/ingest/scan_profile_mutations", [mutation(organisation=OWN)], "json")
    assert own.status_code == 202
