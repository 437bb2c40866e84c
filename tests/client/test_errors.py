"""The service's refusals as the exceptions of Rocky's client, carrying the scheduler's own explanation."""

import uuid
from types import ModuleType

import pytest
from pydantic import BaseModel

from rocky_scheduler import client as errors
from rocky_scheduler.client import SchedulerClient
from rocky_scheduler.errors import DUPLICATE_QUEUED, QUEUE_FULL
from rocky_scheduler.services.scheduler_settings import scheduler_configure
from rocky_scheduler.services.schedules import DUPLICATE_SCHEDULE
from tests.client import rocky_stand_in
from tests.client.test_schedules import report_request
from tests.factories import boefje_data

pytestmark = pytest.mark.django_db


def push(client, data: dict, priority: int = 2) -> None:
    client.push_task({"scheduler_id": "boefje", "organisation": "acme", "priority": priority, "data": data})


def test_a_duplicate_push_is_a_conflict(client):
    data = boefje_data()
    push(client, data)
    with pytest.raises(errors.SchedulerConflictError) as raised:
        push(client, data)
    assert raised.value.detail == DUPLICATE_QUEUED.format(scheduler_id="boefje")


def test_a_full_queue_is_too_many_requests_and_user_work_still_goes_in(client):
    scheduler_configure(scheduler_id="boefje", maxsize=1)
    push(client, boefje_data())
    with pytest.raises(errors.SchedulerTooManyRequestError) as raised:
        push(client, boefje_data())
    assert raised.value.detail == QUEUE_FULL.format(scheduler_id="boefje", queued=1, maxsize=1)
    push(client, boefje_data(), priority=1)


@pytest.mark.parametrize(
    ("item", "named"),
    [
        ({"scheduler_id": "boefje", "organisation": "acme", "data": {"input_ooi": "x"}}, "boefje"),
        ({"scheduler_id": "boefje", "organisation": "acme", "priority": 0, "data": boefje_data()}, "priority"),
        ({"organisation": "acme", "data": boefje_data()}, "scheduler_id"),
        ({"scheduler_id": "nope", "organisation": "acme", "data": boefje_data()}, "nope"),
    ],
)
def test_a_push_of_bad_input_is_a_bad_request_naming_the_problem(client, item, named):
    with pytest.raises(errors.SchedulerBadRequestError) as raised:
        client.push_task(item)
    assert named in raised.value.detail


def test_a_list_with_bad_arguments_is_a_validation_error(client):
    with pytest.raises(errors.SchedulerValidationError) as raised:
        client.list_tasks(status="bogus")
    assert "status" in raised.value.detail
    with pytest.raises(errors.SchedulerValidationError):
        client.list_tasks(filters={"filters": [{"column": "password", "operator": "eq", "value": "x"}]})
    with pytest.raises(errors.SchedulerValidationError):
        client.list_tasks(limit=-1)


def test_an_unknown_or_malformed_task_id_is_task_not_found(client):
    with pytest.raises(errors.SchedulerTaskNotFound):
        client.get_task_details(str(uuid.uuid4()))
    with pytest.raises(errors.SchedulerTaskNotFound):
        client.get_task_details("not-a-uuid")
    with pytest.raises(errors.SchedulerTaskNotFound):
        client.patch_task(uuid.uuid4(), "cancelled")


def test_an_illegal_status_change_is_a_conflict(client):
    push(client, boefje_data())
    task = client.list_tasks()["results"][0]
    with pytest.raises(errors.SchedulerConflictError):
        client.patch_task(task["id"], "dispatched")
    with pytest.raises(errors.SchedulerBadRequestError):
        client.patch_task(task["id"], "sleeping")


def test_schedule_refusals(client):
    request = report_request()
    client.post_schedule(request)
    with pytest.raises(errors.SchedulerConflictError) as raised:
        client.post_schedule(request)
    assert raised.value.detail == DUPLICATE_SCHEDULE
    with pytest.raises(errors.SchedulerBadRequestError):
        client.post_schedule(report_request().model_copy(update={"schedule": "every tuesday"}))
    with pytest.raises(errors.SchedulerBadRequestError):
        client.patch_schedule(str(uuid.uuid4()), {"enabled": False})
    with pytest.raises(errors.SchedulerValidationError):
        client.get_schedule_details(str(uuid.uuid4()))


def test_every_error_is_a_scheduler_error_whose_message_rocky_shows(client):
    with pytest.raises(errors.SchedulerError) as raised:
        client.get_task_details(str(uuid.uuid4()))
    assert str(raised.value) == str(errors.SchedulerTaskNotFound.message)


def test_with_rockys_module_the_client_raises_rockys_own_classes(rocky_client):
    data = boefje_data()
    push(rocky_client, data)
    with pytest.raises(rocky_stand_in.SchedulerConflictError) as raised:
        push(rocky_client, data)
    assert raised.value.detail == DUPLICATE_QUEUED.format(scheduler_id="boefje")
    with pytest.raises(rocky_stand_in.SchedulerTaskNotFound):
        rocky_client.get_task_details(str(uuid.uuid4()))


def test_an_answer_the_hosts_model_refuses_is_a_validation_error(client, superuser):
    class Task(BaseModel):
        never_sent: str

    host = ModuleType("host_with_a_stricter_task")
    host.Task = Task
    push(client, boefje_data())
    task_id = client.list_tasks()["results"][0]["id"]
    with pytest.raises(errors.SchedulerValidationError):
        SchedulerClient("acme", user=superuser, models=host).get_task_details(task_id)
