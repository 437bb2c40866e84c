"""Given Rocky's module, the client answers Rocky's own classes, and Rocky's LazyTaskList pages through it."""

import sys
import uuid
from types import ModuleType
from typing import Any

import pytest

from tests.client import rocky_stand_in
from tests.client.test_schedules import report_request
from tests.factories import boefje_data, normalizer_data
from tests.support import openkat_models
from tests.support.doc_snippets import snippet

pytestmark = pytest.mark.django_db


class LazyTasks:
    """What Rocky's LazyTaskList asks of its client: the count with `limit=0`, then slices as limit and offset."""

    HARD_LIMIT = 500

    def __init__(self, client, **filters: Any) -> None:
        self.client, self.filters = client, filters

    def __len__(self) -> int:
        return self.client.list_tasks(limit=0, **self.filters).count

    def __getitem__(self, key: slice | int) -> list:
        if isinstance(key, int):
            offset, limit = key, 1
        else:
            offset = key.start or 0
            limit = min(self.HARD_LIMIT, key.stop - offset or key.stop or self.HARD_LIMIT)
        return self.client.list_tasks(limit=limit, offset=offset, **self.filters).results


def push(client, count: int) -> None:
    for _ in range(count):
        client.push_task({"scheduler_id": "boefje", "organisation": "acme", "priority": 2, "data": boefje_data()})


def test_lazy_task_list_counts_and_slices_through_the_client(rocky_client):
    push(rocky_client, 7)
    body = {"filters": [{"column": "organisation", "operator": "==", "value": "acme"}]}
    tasks = LazyTasks(rocky_client, scheduler_id="boefje", task_type="boefje", plugin_id=None, filters=body)
    assert len(tasks) == 7
    first, rest = tasks[0:5], tasks[5:10]
    assert [len(first), len(rest)] == [5, 2]
    assert len({task.id for task in first + rest}) == 7
    assert tasks[6][0].id == rest[-1].id
    assert all(isinstance(task, openkat_models.RockyBoefjeTask) for task in first)


def test_answers_are_rockys_classes(rocky_client):
    push(rocky_client, 1)
    page = rocky_client.list_tasks()
    assert isinstance(page, openkat_models.Page)
    details = rocky_client.get_task_details(str(page.results[0].id))
    assert isinstance(details.data, openkat_models.BoefjeTask)
    popped = rocky_client.pop_items("boefje", {})
    assert isinstance(popped, openkat_models.RockyTaskPop)
    assert popped.results[0].status is openkat_models.TaskStatus.DISPATCHED
    assert rocky_client.pop_item("boefje") is None
    assert all(isinstance(queue, openkat_models.Queue) for queue in rocky_client.get_queues())
    assert isinstance(rocky_client.health(), openkat_models.ServiceHealth)
    schedule = rocky_client.post_schedule(report_request())
    assert isinstance(schedule, openkat_models.ScheduleResponse)
    assert isinstance(rocky_client.get_schedule_details(str(schedule.id)), openkat_models.ScheduleResponse)
    assert rocky_client.list_schedules().results[0].id == schedule.id
    reports = {"filters": [{"column": "scheduler_id", "operator": "eq", "value": "report"}]}
    assert rocky_client.post_schedule_search(reports).count == 1
    # Rocky's client answers these as plain data itself.
    assert rocky_client.get_scheduled_reports()[0]["id"] == str(schedule.id)
    assert isinstance(rocky_client.get_task_stats("boefje"), dict)


def test_rockys_reschedule_round_trip(rocky_client):
    """Rocky's reschedule_task: read a task, give its data a new id, push it again as a TaskPush."""
    rocky_client.push_task(
        rocky_stand_in.TaskPush(scheduler_id="normalizer", organisation="acme", priority=1, data=normalizer_data())
    )
    task = rocky_client.list_tasks(scheduler_id="normalizer").results[0]
    rocky_client.patch_task(task.id, rocky_stand_in.TaskStatus.CANCELLED)
    new_id = uuid.uuid4()
    task.data.id = new_id
    rocky_client.push_task(
        rocky_stand_in.TaskPush(
            id=new_id, scheduler_id=task.scheduler_id, organisation="acme", priority=1, data=task.data.model_dump()
        )
    )
    assert rocky_client.get_task_details(str(new_id)).data.raw_data == task.data.raw_data


def test_the_guides_factory_switches_rockys_client(monkeypatch):
    """The factory of docs/rocky-integration.md, run as rocky/scheduler.py would run it."""
    factory = snippet("rocky-client-factory")
    rocky_scheduler_module = ModuleType("rocky_scheduler_stand_in_for_rocky")
    rocky_scheduler_module.__dict__.update(
        {name: value for name, value in vars(rocky_stand_in).items() if not name.startswith("__")}
    )
    rocky_scheduler_module.SchedulerClient = object  # Rocky's own class, named in the factory's annotation
    monkeypatch.setitem(sys.modules, rocky_scheduler_module.__name__, rocky_scheduler_module)
    exec(factory, rocky_scheduler_module.__dict__)  # noqa: S102 - our own documentation
    client = rocky_scheduler_module.scheduler_client("acme")
    push(client, 2)
    assert isinstance(client.list_tasks(limit=0), openkat_models.Page)
    assert len(LazyTasks(client)) == 2
    with pytest.raises(rocky_stand_in.SchedulerTaskNotFound):
        client.get_task_details(str(uuid.uuid4()))
