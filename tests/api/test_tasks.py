"""/tasks: list, filters, pagination, stats, detail and PATCH."""

import datetime

import pytest
from django.utils import timezone

from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_push
from tests.factories import TaskFactory, boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

TASKS = f"{PREFIX}/tasks"


def test_list_is_newest_first_with_absolute_page_links(admin_api):
    now = timezone.now()
    tasks = [TaskFactory(created_at=now - datetime.timedelta(minutes=i)) for i in range(25)]
    page = admin_api.get(TASKS).json()
    assert page["count"] == 25
    assert [t["id"] for t in page["results"]] == [str(t.id) for t in tasks[:10]]
    assert page["previous"] is None
    assert page["next"].startswith(f"http://testserver{TASKS}") and "offset=10" in page["next"]
    second = admin_api.get(page["next"]).json()
    assert [t["id"] for t in second["results"]] == [str(t.id) for t in tasks[10:20]]
    assert second["previous"].startswith("http://testserver/")


def test_limit_zero_returns_only_the_count(admin_api):
    TaskFactory.create_batch(3)
    assert admin_api.get(f"{TASKS}?limit=0").json() == {"count": 3, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    "query", ["limit=-1", "limit=100000", "offset=-5", "limit=x", "status=bogus", "min_created_at=yesterday"]
)
def test_bad_list_parameters_are_400(admin_api, query):
    response = admin_api.get(f"{TASKS}?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_list_filters(admin_api):
    wanted = TaskFactory(organisation="globex", data=boefje_data(ooi="Hostname|internet|x.com", organisation="globex"))
    TaskFactory(organisation="acme")
    TaskFactory(organisation="globex", status=TaskStatus.COMPLETED)
    page = admin_api.get(f"{TASKS}?organisation=globex&status=queued&task_type=boefje&scheduler_id=boefje").json()
    assert [t["id"] for t in page["results"]] == [str(wanted.id)]
    page = admin_api.get(TASKS, {"input_ooi": "Hostname|internet|x.com"}).json()
    assert [t["id"] for t in page["results"]] == [str(wanted.id)]


def test_post_tasks_with_body_filters(admin_api):
    TaskFactory(priority=3)
    high = TaskFactory(priority=9)
    body = {"filters": [{"column": "priority", "operator": "gt", "value": 5}]}
    page = admin_api.post(TASKS, body, format="json").json()
    assert [t["id"] for t in page["results"]] == [str(high.id)]


def test_stats_has_24_hourly_buckets_with_status_counts(admin_api):
    TaskFactory.create_batch(2)
    TaskFactory(status=TaskStatus.FAILED)
    stats = admin_api.get(f"{TASKS}/stats?scheduler_id=boefje").json()
    assert len(stats) == 24
    current = stats[max(stats)]
    assert (current["queued"], current["failed"], current["total"]) == (2, 1, 3)
    assert datetime.datetime.fromisoformat(max(stats)).tzinfo is not None


def test_detail_and_404(admin_api):
    task = TaskFactory()
    assert admin_api.get(f"{TASKS}/{task.id}").json()["id"] == str(task.id)
    assert admin_api.get(f"{TASKS}/{task.id}/").status_code == 200
    assert admin_api.get(f"{TASKS}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert admin_api.get(f"{TASKS}/not-a-uuid").status_code == 404


def test_worker_reports_status_through_patch(worker_api):
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2)
    [task] = task_pop(scheduler_id="boefje")
    for status in ("running", "completed"):
        response = worker_api.patch(f"{TASKS}/{task.id}", {"status": status}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, status)
    assert list(TaskEvent.objects.filter(task=task).values_list("to_status", flat=True)) == [
        "queued",
        "dispatched",
        "running",
        "completed",
    ]


def test_illegal_transition_is_409_and_changes_nothing(worker_api):
    task = TaskFactory(status=TaskStatus.COMPLETED)
    response = worker_api.patch(f"{TASKS}/{task.id}", {"status": "running"}, format="json")
    assert response.status_code == 409
    assert "completed" in response.json()["detail"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED


def test_patch_to_dispatched_is_409(worker_api):
    task = TaskFactory()
    assert worker_api.patch(f"{TASKS}/{task.id}", {"status": "dispatched"}, format="json").status_code == 409


def test_empty_or_bad_patch_is_400(admin_api):
    task = TaskFactory()
    assert admin_api.patch(f"{TASKS}/{task.id}", {}, format="json").status_code == 400
    assert admin_api.patch(f"{TASKS}/{task.id}", {"status": "exploded"}, format="json").status_code == 400
    assert admin_api.patch(f"{TASKS}/{task.id}", {"priority": 0}, format="json").status_code == 400
    assert admin_api.patch(f"{TASKS}/{task.id}", [1, 2], format="json").status_code == 400


def test_patch_unknown_task_is_404(admin_api):
    url = f"{TASKS}/00000000-0000-0000-0000-000000000000"
    assert admin_api.patch(url, {"status": "cancelled"}, format="json").status_code == 404


def test_analyst_reprioritises_and_the_next_pop_honours_it(analyst_api):
    tasks = [task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5) for _ in range(3)]
    task_pop(scheduler_id="boefje", limit=0)
    response = analyst_api.patch(f"{TASKS}/{tasks[2].id}", {"priority": 1}, format="json")
    assert (response.status_code, response.json()["priority"]) == (200, 1)
    assert task_pop(scheduler_id="boefje")[0].id == tasks[2].id


def test_reprioritising_a_dispatched_task_is_409(admin_api):
    task = TaskFactory(status=TaskStatus.DISPATCHED)
    assert admin_api.patch(f"{TASKS}/{task.id}", {"priority": 1}, format="json").status_code == 409
