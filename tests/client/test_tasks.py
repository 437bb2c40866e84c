"""Every task call of the client, its plain answers validated by the models Rocky parses the API's answers with."""

import uuid

import pytest
from pydantic import TypeAdapter

from rocky_scheduler.models import Task, TaskStatus
from tests.client import rocky_stand_in
from tests.factories import boefje_data, normalizer_data
from tests.support import openkat_models
from tests.support.users import actor

pytestmark = pytest.mark.django_db

rocky_task = TypeAdapter(openkat_models.RockyTask)


def push_boefje(client, **overrides) -> dict:
    item = {"scheduler_id": "boefje", "organisation": "acme", "priority": 1, "data": boefje_data(), **overrides}
    client.push_task(item)
    return item


def test_push_task_queues_the_task_rocky_asked_for(client):
    push_boefje(client)
    task = Task.objects.get()
    assert (task.status, task.priority, task.organisation) == (TaskStatus.QUEUED, 1, "acme")
    # Rocky's run_boefje sends "id": null; the task's id takes its place, as over HTTP.
    assert task.data["id"] == str(task.id)
    assert task.events.get().actor == actor("root")


def test_push_task_takes_rockys_pydantic_task_push_with_its_id(client):
    wanted = uuid.uuid4()
    item = rocky_stand_in.TaskPush(
        id=wanted, scheduler_id="normalizer", organisation="acme", priority=1, data=normalizer_data()
    )
    assert client.push_task(item) is None  # as Rocky's
    assert Task.objects.get().id == wanted


def test_get_task_details_answers_a_task_rocky_parses(client):
    push_boefje(client)
    task = Task.objects.get()
    details = rocky_task.validate_python(client.get_task_details(str(task.id)))
    assert details.id == task.id
    assert details.data.boefje.id == "dns-records"


def test_list_tasks_answers_a_page_rocky_parses_newest_first(client):
    for _ in range(3):
        push_boefje(client, data=boefje_data())
    page = openkat_models.PaginatedTasksResponse.model_validate(client.list_tasks(scheduler_id="boefje", limit=2))
    assert page.count == 3
    newest = Task.objects.order_by("-created_at", "-id")[:2]
    assert [task.id for task in page.results] == [task.id for task in newest]


def test_list_tasks_takes_rockys_filter_body_and_its_none_arguments(client):
    push_boefje(client, data=boefje_data(organisation="acme"))
    push_boefje(client, organisation="globex", data=boefje_data(organisation="globex"))
    body = {"filters": [{"column": "organisation", "operator": "==", "value": "globex"}]}
    page = client.list_tasks(scheduler_id="boefje", task_type="boefje", plugin_id=None, filters=body)
    assert [task["organisation"] for task in page["results"]] == ["globex"]


def test_pop_items_dispatches_the_best_task_as_rocky_parses_it(client):
    push_boefje(client, priority=3)
    push_boefje(client, priority=1, data=boefje_data())
    popped = openkat_models.RockyTaskPop.model_validate(client.pop_items("boefje", {}))
    assert [(task.priority, task.status.value) for task in popped.results] == [(1, "dispatched")]


def test_pop_items_applies_rockys_filters(client):
    push_boefje(client, priority=1, data=boefje_data(boefje_id="nmap"))
    push_boefje(client, priority=2, data=boefje_data(boefje_id="dns-records"))
    body = {"filters": [{"column": "data", "field": "boefje__id", "operator": "eq", "value": "dns-records"}]}
    popped = client.pop_items("boefje", body)
    assert [task["data"]["boefje"]["id"] for task in popped["results"]] == ["dns-records"]


def test_pop_item_answers_one_task_or_none(client):
    assert client.pop_item("boefje") is None
    push_boefje(client)
    assert rocky_task.validate_python(client.pop_item("boefje")).status.value == "dispatched"


def test_patch_task_moves_the_task_on_with_rockys_status_enum(client):
    push_boefje(client)
    task = client.pop_item("boefje")
    assert client.patch_task(uuid.UUID(task["id"]), openkat_models.TaskStatus.RUNNING) is None
    assert client.get_task_details(task["id"])["status"] == "running"
    client.patch_task(task["id"], "completed")
    assert Task.objects.get().status == TaskStatus.COMPLETED


def test_get_task_stats_counts_this_organisations_tasks_per_hour(client):
    push_boefje(client)
    push_boefje(client, organisation="globex", data=boefje_data(organisation="globex"))
    stats = TypeAdapter(openkat_models.TaskStats).validate_python(client.get_task_stats("boefje"))
    assert len(stats) == 24
    assert sum(hour["queued"] for hour in stats.values()) == 1
    everyone = client.get_task_stats_for_all_organizations("boefje")
    assert sum(hour["total"] for hour in everyone.values()) == 2
    combined = client.get_combined_schedulers_stats("boefje", ["acme", "globex"])
    assert sum(hour["queued"] for hour in combined.values()) == 2


def test_get_queues_answers_every_queue_with_its_size(client):
    push_boefje(client)
    queues = TypeAdapter(list[openkat_models.Queue]).validate_python(client.get_queues())
    assert {queue.id: queue.size for queue in queues} == {"boefje": 1, "normalizer": 0, "report": 0}


def test_health_answers_what_rocky_parses(client):
    assert openkat_models.ServiceHealth.model_validate(client.health()).healthy
