"""The client acts as the request's user, with the API's permissions (rocky_scheduler/api/permissions.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from rocky_scheduler import client as errors
from rocky_scheduler.client import PROCESS_ACTOR, RequestUserMiddleware, SchedulerClient
from rocky_scheduler.client.client import LOGIN_REQUIRED, MAY_NOT, MAY_NOT_CHANGE_STATUS
from rocky_scheduler.models import Task
from tests.client import rocky_stand_in
from tests.factories import boefje_data
from tests.support.users import actor

pytestmark = pytest.mark.django_db


def push_item(priority: int = 1) -> dict:
    return {"scheduler_id": "boefje", "organisation": "acme", "priority": priority, "data": boefje_data()}


def test_a_user_without_push_permission_cannot_push(reader):
    client = SchedulerClient("acme", user=reader)
    with pytest.raises(errors.SchedulerPermissionError) as raised:
        client.push_task(push_item())
    assert raised.value.message == MAY_NOT["push_task"]
    assert str(raised.value) == str(MAY_NOT["push_task"])
    assert not Task.objects.exists()
    # Reading needs nothing but a login, as in the API.
    assert client.list_tasks(limit=0)["count"] == 0


def test_a_worker_pushes_pops_and_reports_but_may_not_touch_schedules(worker):
    client = SchedulerClient("acme", user=worker)
    client.push_task(push_item())
    task = client.pop_item("boefje")
    client.patch_task(task["id"], "running")
    with pytest.raises(errors.SchedulerPermissionError):
        client.delete_schedule(str(task["id"]))


def test_an_analyst_may_cancel_but_not_run_or_pop(analyst, superuser):
    SchedulerClient("acme", user=superuser).push_task(push_item())
    task_id = str(Task.objects.get().id)
    client = SchedulerClient("acme", user=analyst)
    with pytest.raises(errors.SchedulerPermissionError) as raised:
        client.patch_task(task_id, "running")
    assert raised.value.message == MAY_NOT_CHANGE_STATUS
    with pytest.raises(errors.SchedulerPermissionError):
        client.pop_items("boefje", {})
    client.patch_task(task_id, "cancelled")
    assert Task.objects.get().status == "cancelled"


def test_an_anonymous_user_reads_nothing(anonymous):
    with pytest.raises(errors.SchedulerPermissionError) as raised:
        SchedulerClient("acme", user=anonymous).list_tasks()
    assert raised.value.message == LOGIN_REQUIRED


@override_settings(ROCKY_SCHEDULER={"API_ALLOW_ANONYMOUS": True})
def test_anonymous_mode_lets_anyone_as_the_api_does(anonymous):
    SchedulerClient("acme", user=anonymous).push_task(push_item())
    assert Task.objects.get().events.get().actor == "api:anonymous"


def test_without_a_user_the_client_acts_as_the_request_user(reader, worker):
    client = SchedulerClient("acme")  # as Rocky makes it: no user

    def view(request) -> HttpResponse:
        try:
            client.push_task(push_item())
        except errors.SchedulerPermissionError as error:
            return HttpResponse(error.message, status=403)
        return HttpResponse(status=201)

    middleware = RequestUserMiddleware(view)
    for user, status in ((reader, 403), (worker, 201)):
        request = RequestFactory().post("/")
        request.user = user
        assert middleware(request).status_code == status
    assert Task.objects.get().events.get().actor == actor("boefje-runner")


def test_a_request_without_a_user_is_anonymous_not_the_process():
    client = SchedulerClient("acme")
    middleware = RequestUserMiddleware(lambda request: client.list_tasks())
    with pytest.raises(errors.SchedulerPermissionError):
        middleware(RequestFactory().get("/"))


def test_outside_any_request_the_process_acts(db):
    # Rocky's report runner and management commands: no request, no user.
    client = SchedulerClient(None)
    client.push_task(push_item())
    assert Task.objects.get().events.get().actor == PROCESS_ACTOR


def test_rocky_catches_the_permission_error_as_its_scheduler_error(reader):
    client = SchedulerClient("acme", user=reader, models=rocky_stand_in)
    with pytest.raises(rocky_stand_in.SchedulerError) as raised:
        client.push_task(push_item())
    assert isinstance(raised.value, errors.SchedulerPermissionError)
    assert raised.value.message == MAY_NOT["push_task"]


def test_a_request_the_middleware_did_not_see_is_refused_not_run_as_the_process(db):
    client = SchedulerClient("acme")
    # As Django's test client does: the signals without closing the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        with pytest.raises(ImproperlyConfigured, match="RequestUserMiddleware"):
            client.push_task(push_item())
        request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert not Task.objects.exists()
    client.push_task(push_item())  # the request is over: the process again
