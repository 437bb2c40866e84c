"""POST /schedulers/{id}/push and /pop as OpenKAT's boefje runner and Rocky call them."""

import uuid

import pytest

from rocky_scheduler.models import Scheduler, Task, TaskStatus
from rocky_scheduler.services.scheduler_settings import scheduler_configure
from tests.factories import boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

PUSH = f"{PREFIX}/schedulers/boefje/push"
POP = f"{PREFIX}/schedulers/boefje/pop"


def push(client, priority=3, **overrides):
    body = {"organisation": "acme", "priority": priority, "data": boefje_data(), **overrides}
    return client.post(PUSH, body, format="json")


def test_push_returns_201_with_the_task_json(worker_api):
    response = push(worker_api, priority=1)
    assert response.status_code == 201
    task = response.json()
    assert set(task) == {
        "id",
        "scheduler_id",
        "schedule_id",
        "organisation",
        "priority",
        "status",
        "type",
        "hash",
        "data",
        "created_at",
        "modified_at",
    }
    assert uuid.UUID(task["id"]) and uuid.UUID(task["schedule_id"])
    assert (task["status"], task["type"], task["priority"]) == ("queued", "boefje", 1)
    assert task["created_at"].endswith("+00:00")


def test_push_with_trailing_slash_works_too(worker_api):
    response = worker_api.post(PUSH + "/", {"organisation": "acme", "data": boefje_data()}, format="json")
    assert response.status_code == 201


def test_rocky_style_push_with_task_id_and_null_fields(worker_api):
    task_id = str(uuid.uuid4())
    data = {**boefje_data(), "id": task_id, "deduplication_key": None}
    response = worker_api.post(
        PUSH, {"id": task_id, "priority": 1, "organisation": "acme", "data": data}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["id"] == task_id


def test_repush_of_a_whole_task_json_ignores_its_read_only_fields(worker_api):
    body = {
        "scheduler_id": "boefje",
        "organisation": "acme",
        "priority": 4,
        "data": boefje_data(),
        "status": "completed",
        "type": "normalizer",
        "hash": "x",
        "schedule_id": None,
        "created_at": "2020-01-01T00:00:00Z",
        "modified_at": "2020-01-01T00:00:00Z",
    }
    response = worker_api.post(PUSH, body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["type"]) == ("queued", "boefje")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"organisation": "acme", "priority": 0, "data": boefje_data()}, "priority"),
        ({"organisation": "acme", "data": {"boefje": {}}}, "data.boefje.id"),
        ({"data": boefje_data()}, "organisation"),
        ({"organisation": "acme"}, "data"),
        ({"organisation": "acme", "data": boefje_data(), "scheduler_id": "normalizer"}, "scheduler_id"),
    ],
)
def test_bad_push_is_400_naming_the_field(worker_api, body, field):
    response = worker_api.post(PUSH, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["detail"] or response.json().get("field") == field
    assert not Task.objects.exists()


def test_malformed_json_is_400(worker_api):
    response = worker_api.post(PUSH, data='{"organisation": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_unknown_scheduler_is_404(worker_api):
    response = worker_api.post(f"{PREFIX}/schedulers/nope/push", {"organisation": "a", "data": {}}, format="json")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_duplicate_is_409_with_retry_after(worker_api):
    data = boefje_data()
    assert push(worker_api, data=data).status_code == 201
    response = push(worker_api, data=data)
    assert response.status_code == 409
    assert response["Retry-After"]
    assert Task.objects.count() == 1


def test_full_queue_is_429_with_retry_after(worker_api):
    Scheduler.objects.filter(pk="boefje").update(maxsize=1)
    assert push(worker_api).status_code == 201
    response = push(worker_api)
    assert response.status_code == 429
    assert response["Retry-After"]
    assert push(worker_api, priority=1).status_code == 201


def test_pop_returns_results_best_first_and_dispatches(worker_api):
    for priority in (5, 2, 9):
        push(worker_api, priority=priority)
    response = worker_api.post(POP + "?limit=2")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [task["priority"] for task in results] == [2, 5]
    assert {task["status"] for task in results} == {"dispatched"}


def test_pop_on_empty_queue_is_an_empty_list(worker_api):
    response = worker_api.post(POP)
    assert (response.status_code, response.json()) == (200, {"results": []})


def test_pop_with_data_filters_returns_only_matching_tasks_best_first(worker_api):
    push(worker_api, priority=1, data=boefje_data(boefje_id="nmap"))
    push(worker_api, priority=6, data=boefje_data(boefje_id="dns-records"))
    push(worker_api, priority=4, data=boefje_data(boefje_id="dns-records"))
    body = {"filters": [{"column": "data", "field": "boefje__id", "operator": "in", "value": ["dns-records"]}]}
    results = worker_api.post(POP + "?limit=5", body, format="json").json()["results"]
    assert [(t["data"]["boefje"]["id"], t["priority"]) for t in results] == [("dns-records", 4), ("dns-records", 6)]
    assert Task.objects.get(data__boefje__id="nmap").status == TaskStatus.QUEUED


def test_pop_filter_on_oci_image(worker_api):
    data = boefje_data()
    data["boefje"]["oci_image"] = "ghcr.io/minvws/openkat/nmap:latest"
    push(worker_api, priority=5, data=data)
    push(worker_api, priority=1)
    body = {
        "filters": {
            "and": [
                {
                    "column": "data",
                    "field": "boefje__oci_image",
                    "operator": "in",
                    "value": ["ghcr.io/minvws/openkat/nmap:latest"],
                }
            ]
        }
    }
    results = worker_api.post(POP, body, format="json").json()["results"]
    assert [t["priority"] for t in results] == [5]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "100000"])
def test_bad_pop_limit_is_400(worker_api, limit):
    response = worker_api.post(f"{POP}?limit={limit}")
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_bad_filter_is_400(worker_api):
    body = {"filters": [{"column": "secret", "operator": "eq", "value": 1}]}
    response = worker_api.post(POP, body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_paused_scheduler_pops_empty(worker_api):
    push(worker_api)
    worker_api.post(POP + "?limit=0")  # this process has now read the scheduler's settings
    scheduler_configure(scheduler_id="boefje", paused=True)
    assert worker_api.post(POP).json() == {"results": []}
    assert Task.objects.get().status == TaskStatus.QUEUED
