"""PATCH /tasks/{id} with a reason: kept in the history, shown on the dashboard and in the admin."""

import pytest
from django.test import Client
from django.urls import reverse

from rocky_scheduler.api.serializers import REASON_MAX_LENGTH
from rocky_scheduler.api.views.tasks import PATCH_EMPTY
from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_push
from tests.factories import boefje_data
from tests.support.api_clients import PREFIX
from tests.support.users import make_superuser

pytestmark = pytest.mark.django_db

WHY = "nmap exited with status 2: host unreachable"


def dispatched_task() -> Task:
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2)
    [task] = task_pop(scheduler_id="boefje")
    return task


def staff_browser() -> Client:
    client = Client()
    client.force_login(make_superuser("operator"))
    return client


def test_a_workers_reason_for_failing_is_in_the_history_the_dashboard_and_the_admin(worker_api):
    task = dispatched_task()
    response = worker_api.patch(f"{PREFIX}/tasks/{task.id}", {"status": "failed", "reason": WHY}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "failed")
    event = TaskEvent.objects.get(task=task, to_status=TaskStatus.FAILED)
    assert event.reason == WHY

    browser = staff_browser()
    assert [row["reason"] for row in browser.get(reverse("rocky_scheduler_dashboard:data")).json()["failed"]] == [WHY]
    assert WHY in browser.get(reverse("admin:rocky_scheduler_task_change", args=[task.id])).content.decode()


def test_a_reason_goes_with_a_priority_change_too(admin_api):
    task = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)
    body = {"priority": 1, "reason": "customer escalation"}
    assert admin_api.patch(f"{PREFIX}/tasks/{task.id}", body, format="json").status_code == 200
    assert TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.PRIORITY).reason == "customer escalation"


def test_a_reason_alone_changes_nothing(worker_api):
    task = dispatched_task()
    response = worker_api.patch(f"{PREFIX}/tasks/{task.id}", {"reason": WHY}, format="json")
    assert (response.status_code, response.json()["detail"]) == (400, PATCH_EMPTY)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DISPATCHED


def test_a_reason_longer_than_the_limit_is_400_and_changes_nothing(worker_api):
    task = dispatched_task()
    body = {"status": "failed", "reason": "x" * (REASON_MAX_LENGTH + 1)}
    response = worker_api.patch(f"{PREFIX}/tasks/{task.id}", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["detail"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DISPATCHED


def test_the_read_only_fields_of_a_whole_task_json_are_ignored(worker_api):
    task = dispatched_task()
    whole = worker_api.get(f"{PREFIX}/tasks/{task.id}").json()
    del whole["priority"]  # a change of its own (and a dispatched task's priority cannot change)
    body = {**whole, "status": "running", "reason": "started", "hash": "forged", "organisation": "globex"}
    response = worker_api.patch(f"{PREFIX}/tasks/{task.id}", body, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "running")
    stored = Task.objects.get(pk=task.pk)
    assert (stored.hash, stored.organisation) == (task.hash, "acme")


def test_an_unknown_field_is_400_naming_it(worker_api):
    task = dispatched_task()
    body = {"status": "failed", "reasn": WHY}
    response = worker_api.patch(f"{PREFIX}/tasks/{task.id}", body, format="json")
    assert response.status_code == 400
    assert "'reasn'" in response.json()["detail"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DISPATCHED
