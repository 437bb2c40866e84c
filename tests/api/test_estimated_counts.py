"""Counts at scale (issue 16 point 2): exact up to the count bound, PostgreSQL's estimate above it, and the
X-Count-Estimated header says which (rocky_scheduler.counting, docs/architecture.md "Counts at scale")."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from rocky_scheduler.errors import QueueFull
from rocky_scheduler.models import Scheduler
from rocky_scheduler.services import task_cancel, task_expire_leases, task_pop, task_push, task_transition
from tests.factories import TaskFactory, boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

HEADER = "X-Count-Estimated"


@pytest.fixture
def bound(settings):
    """A count bound of 2, so five tasks are "more than the bound"."""
    settings.ROCKY_SCHEDULER = {**getattr(settings, "ROCKY_SCHEDULER", {}), "EXACT_COUNT_UP_TO": 2}


def test_counts_below_the_bound_are_exact_and_carry_no_header(admin_api):
    TaskFactory.create_batch(2)

    for path in ("/tasks", "/queues", "/queues/boefje", "/schedulers", "/schedulers/boefje"):
        assert HEADER not in admin_api.get(f"{PREFIX}{path}").headers, path
    assert admin_api.get(f"{PREFIX}/tasks").json()["count"] == 2
    assert admin_api.get(f"{PREFIX}/queues/boefje").json() == {"id": "boefje", "size": 2}


def test_a_task_list_above_the_bound_says_its_count_is_estimated(admin_api, bound):
    TaskFactory.create_batch(5)

    response = admin_api.get(f"{PREFIX}/tasks?limit=1")
    page = response.json()

    assert [key for key in page] == ["count", "next", "previous", "results"]
    assert len(page["results"]) == 1
    assert page["next"] is not None
    if connection.vendor == "postgresql":
        assert response.headers[HEADER] == "count"
        assert page["count"] >= 3
    else:
        # No planner statistics on SQLite: it counts exactly.
        assert HEADER not in response.headers
        assert page["count"] == 5
    # A filter that leaves few rows is counted exactly again.
    filtered = admin_api.get(f"{PREFIX}/tasks?organisation=nobody")
    assert (filtered.json()["count"], HEADER in filtered.headers) == (0, False)


def test_queue_sizes_above_the_bound_stay_exact(admin_api, bound):
    TaskFactory.create_batch(5)
    TaskFactory(scheduler_id="normalizer", type="normalizer")

    queues = admin_api.get(f"{PREFIX}/queues")
    one = admin_api.get(f"{PREFIX}/queues/boefje")
    schedulers = admin_api.get(f"{PREFIX}/schedulers")

    # PostgreSQL reads the maintained counts (exact whatever the bound); SQLite, with no planner estimate to give,
    # counts on past the bound. Neither has an estimate to name.
    assert [(queue["id"], queue["size"]) for queue in queues.json()] == [
        ("boefje", 5),
        ("normalizer", 1),
        ("report", 0),
    ]
    assert one.json() == {"id": "boefje", "size": 5}
    assert [scheduler["qsize"] for scheduler in schedulers.json()] == [5, 1, 0]
    assert HEADER not in queues.headers and HEADER not in one.headers and HEADER not in schedulers.headers


def test_queue_size_follows_push_pop_lease_expiry_requeue_and_cancel(admin_api):
    def size() -> int:
        return admin_api.get(f"{PREFIX}/queues/boefje").json()["size"]

    tasks = [
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(ooi=f"Hostname|internet|h{n}.nl"))
        for n in range(3)
    ]
    assert size() == 3
    [popped] = task_pop(scheduler_id="boefje", worker="w")
    assert size() == 2
    task_transition(task_id=popped.pk, status="running", actor="w")
    # The worker goes quiet: the lease runs out and the task is queued again (or failed at max attempts).
    later = timezone.now() + datetime.timedelta(days=1)
    expired = task_expire_leases(clock=lambda: later)
    assert expired.requeued + expired.failed == 1
    assert size() == 2 + expired.requeued
    waiting = next(task for task in tasks if task.pk != popped.pk)
    task_cancel(task_id=waiting.pk)
    assert size() == 1 + expired.requeued


def test_maxsize_stays_exact_whatever_the_count_bound(bound):
    Scheduler.objects.filter(pk="boefje").update(maxsize=4)
    for n in range(4):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(ooi=f"Hostname|internet|m{n}.nl"))

    with pytest.raises(QueueFull):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(ooi="Hostname|internet|m9.nl"))
