"""The access policy on the dashboard: depth, throughput, top organisations, stuck and failed lists count only
the organisations the viewer may see. Both projects (tests/support/access.py)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rocky_scheduler.models import TaskStatus
from tests.dashboard.seeding import push_boefje, seed_queue
from tests.dashboard.test_dashboard import DATA, PAGE, depth, scheduler_json
from tests.factories import TaskFactory
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

OWN, OTHER = "alpha", "beta"


@pytest.fixture
def viewer(scope_to) -> Client:
    user = scope_to(make_user("alpha-operator", is_staff=True), [OWN], change=False)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def busy_queue() -> None:
    # Failures first: seed_queue pops the best queued task, whichever organisation it is of.
    seed_queue(queued=0, failed=1, organisation=OWN)
    seed_queue(queued=0, failed=3, organisation=OTHER)
    for organisation, count in ((OWN, 2), (OTHER, 5)):
        for _ in range(count):
            push_boefje(organisation=organisation)
    past = timezone.now() - datetime.timedelta(minutes=20)
    for organisation in (OWN, OTHER):
        TaskFactory(organisation=organisation, status=TaskStatus.RUNNING, lease_owner="runner-7", lease_expires_at=past)


def test_counts_charts_and_lists_are_of_the_viewers_organisation_only(viewer, busy_queue):
    data = viewer.get(DATA).json()
    assert depth(data, "boefje")["queued"] == 2
    assert depth(data, "boefje")["failed"] == 1
    assert depth(data, "boefje")["running"] == 1
    boefje = scheduler_json(data, "boefje")
    # Pushes and pops of the chart: 2 queued + 1 failed pushed, the failed one popped.
    assert (sum(boefje["pushes"]), sum(boefje["pops"])) == (3, 1)
    assert boefje["stuck"] == 1
    assert [row["organisation"] for row in data["organisations"]] == [OWN]
    assert {row["organisation"] for row in data["failed"]} == {OWN}
    assert len(data["failed"]) == 1
    assert {row["organisation"] for row in data["stuck"]} == {OWN}
    page = viewer.get(PAGE).content.decode()
    assert OWN in page and OTHER not in page


def test_a_viewer_of_every_organisation_sees_them_all(busy_queue):
    client = Client()
    client.force_login(make_user("operator", is_staff=True))
    data = client.get(DATA).json()
    assert depth(data, "boefje")["queued"] == 7
    assert sorted(row["organisation"] for row in data["organisations"]) == [OWN, OTHER]


def test_a_viewer_of_an_idle_organisation_sees_empty_queues(scope_to, busy_queue):
    client = Client()
    client.force_login(scope_to(make_user("gamma-operator", is_staff=True), ["gamma"]))
    data = client.get(DATA).json()
    assert depth(data, "boefje") == dict.fromkeys(depth(data, "boefje"), 0)
    assert (data["organisations"], data["failed"], data["stuck"]) == ([], [], [])
    push_boefje(organisation=OTHER)
    assert depth(client.get(DATA).json(), "boefje")["queued"] == 0
