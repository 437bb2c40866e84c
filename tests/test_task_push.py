"""Push: validation per task type, hashing, dedup flags and the queue bound (single process)."""

import uuid

import pytest

from rocky_scheduler.errors import DuplicateTask, InvalidInput, NotFound, QueueFull
from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Schedule, Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_push, task_transition
from tests.factories import boefje_data, normalizer_data

pytestmark = pytest.mark.django_db


def test_boefje_push_queues_a_task_with_the_openkat_hash_and_a_schedule():
    data = boefje_data(ooi="Hostname|internet|example.com", boefje_id="dns-records")
    task = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=1, actor="user:alice")
    assert task.status == TaskStatus.QUEUED
    assert task.hash == digest("Hostname|internet|example.com-dns-records-acme")
    assert Schedule.objects.get(hash=task.hash) == task.schedule
    assert TaskEvent.objects.get(task=task).kind == TaskEvent.Kind.CREATED


def test_normalizer_push_hashes_normalizer_raw_meta_and_organisation():
    data = normalizer_data()
    task = task_push(scheduler_id="normalizer", organisation="acme", data=data, priority=3)
    meta_id = data["raw_data"]["boefje_meta"]["id"]
    assert task.hash == digest(f"kat_dns_normalize-{meta_id}-acme")
    assert task.schedule is None


def test_report_push_hashes_recipe_and_organisation():
    task = task_push(scheduler_id="report", organisation="acme", data={"report_recipe_id": "r-1"}, priority=3)
    assert task.hash == digest("r-1-acme")


def test_data_id_becomes_the_task_id():
    task_id = uuid.uuid4()
    data = {**boefje_data(), "id": str(task_id)}
    assert task_push(scheduler_id="boefje", organisation="acme", data=data, priority=2).id == task_id


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("not an object", "data"),
        ({"input_ooi": "x", "organization": "acme"}, "data.boefje"),
        ({"boefje": {"id": ""}, "input_ooi": "x"}, "data.boefje.id"),
        ({"boefje": {"id": "dns"}, "input_ooi": 7}, "data.input_ooi"),
        ({"boefje": {"id": "dns"}, "input_ooi": "x", "organization": "globex"}, "data.organization"),
        ({**boefje_data(), "id": "nope"}, "id"),
    ],
)
def test_invalid_boefje_data_is_refused_naming_the_field(data, field):
    with pytest.raises(InvalidInput) as error:
        task_push(scheduler_id="boefje", organisation="acme", data=data, priority=2)
    assert error.value.field == field
    assert not Task.objects.exists()


def _normalizer_data_with(**raw_data_changes) -> dict:
    data = normalizer_data()
    data["raw_data"] = {**data["raw_data"], **raw_data_changes}
    return data


@pytest.mark.parametrize(
    ("scheduler_id", "data", "field"),
    [
        ("normalizer", _normalizer_data_with(id="raw-1"), "data.raw_data.id"),
        (
            "normalizer",
            _normalizer_data_with(boefje_meta={"id": 7, "boefje": {"id": "dns"}}),
            "data.raw_data.boefje_meta.id",
        ),
        ("report", {"report_recipe_id": 12}, "data.report_recipe_id"),
    ],
)
def test_data_the_clients_could_not_parse_is_refused(scheduler_id, data, field):
    # OpenKAT's runner and Rocky parse these as UUIDs and strings: such a task would break every answer it is in.
    with pytest.raises(InvalidInput) as error:
        task_push(scheduler_id=scheduler_id, organisation="acme", data=data, priority=2)
    assert error.value.field == field


def test_a_normalizer_task_gets_the_boefje_arguments_rocky_requires():
    data = normalizer_data()
    del data["raw_data"]["boefje_meta"]["arguments"]
    task = task_push(scheduler_id="normalizer", organisation="acme", data=data, priority=2)
    assert task.data["raw_data"]["boefje_meta"]["arguments"] == {}
    assert "arguments" not in data["raw_data"]["boefje_meta"]


@pytest.mark.parametrize("priority", [0, -3, "1", 1.5, True])
def test_bad_priority_is_refused(priority):
    with pytest.raises(InvalidInput) as error:
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=priority)
    assert error.value.field == "priority"
    assert not Task.objects.exists()


def test_unknown_scheduler_is_not_found():
    with pytest.raises(NotFound):
        task_push(scheduler_id="nope", organisation="acme", data=boefje_data(), priority=2)


def test_duplicate_queued_hash_is_refused():
    data = boefje_data()
    task_push(scheduler_id="boefje", organisation="acme", data=data, priority=3)
    with pytest.raises(DuplicateTask):
        task_push(scheduler_id="boefje", organisation="acme", data=data, priority=3)
    assert Task.objects.count() == 1


def test_push_while_the_same_work_is_dispatched_is_refused():
    data = boefje_data()
    task_push(scheduler_id="boefje", organisation="acme", data=data, priority=3)
    task_pop(scheduler_id="boefje")
    with pytest.raises(DuplicateTask):
        task_push(scheduler_id="boefje", organisation="acme", data=data, priority=3)


def test_completed_work_can_be_pushed_again_on_the_same_schedule():
    data = boefje_data()
    first = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=3)
    task_pop(scheduler_id="boefje")
    task_transition(task_id=first.id, status=TaskStatus.COMPLETED)
    second = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=3)
    assert second.schedule_id == first.schedule_id and second.id != first.id


def test_priority_updates_flag_moves_the_queued_duplicate():
    Scheduler.objects.filter(pk="boefje").update(allow_priority_updates=True)
    data = boefje_data()
    first = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=9)
    again = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=1)
    assert again.id == first.id
    assert Task.objects.get(pk=first.id).priority == 1


def test_updates_flag_replaces_data_in_place():
    Scheduler.objects.filter(pk="boefje").update(allow_updates=True)
    data = boefje_data()
    first = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=9)
    task_push(scheduler_id="boefje", organisation="acme", data={**data, "dispatches": ["x"]}, priority=9)
    assert Task.objects.get(pk=first.id).data["dispatches"] == ["x"]
    assert Task.objects.count() == 1


def test_replace_flag_cancels_the_old_task_and_queues_the_new_one():
    Scheduler.objects.filter(pk="boefje").update(allow_replace=True)
    data = boefje_data()
    first = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=9)
    second = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=4)
    assert Task.objects.get(pk=first.id).status == TaskStatus.CANCELLED
    assert Task.objects.get(pk=second.id).status == TaskStatus.QUEUED


def test_full_queue_refuses_ranked_pushes_but_takes_user_pushes():
    Scheduler.objects.filter(pk="boefje").update(maxsize=2)
    for _ in range(2):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)
    with pytest.raises(QueueFull):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=1)
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 3


def test_push_without_priority_is_ranked_behind_user_work():
    task = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data())
    assert task.priority >= 2
