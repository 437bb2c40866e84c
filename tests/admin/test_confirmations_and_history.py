"""Destructive admin actions ask first (Django's intermediate page), and a task's History is its own history,
to the second."""

import datetime
import re

import pytest
from django.urls import reverse

from rocky_scheduler.models import Schedule, Task, TaskStatus
from rocky_scheduler.services.task_pop import task_pop
from rocky_scheduler.services.task_transition import task_transition
from tests.admin.conftest import changelist, push_tasks

pytestmark = pytest.mark.django_db

ASKS = [("task", "cancel", TaskStatus.QUEUED), ("task", "requeue", TaskStatus.DISPATCHED)]


def ask(client, model: str, action: str, rows):
    """The action as the action bar first posts it: without the confirmation field."""
    return client.post(changelist(model), {"action": action, "_selected_action": [str(row.pk) for row in rows]})


@pytest.mark.parametrize(("model", "action", "status"), ASKS)
def test_a_destructive_task_action_shows_a_confirmation_page_and_changes_nothing(admin_client, model, action, status):
    tasks = push_tasks(2)
    if status == TaskStatus.DISPATCHED:
        tasks = task_pop(scheduler_id="boefje", limit=2)
    response = ask(admin_client, model, action, tasks)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="confirm"' in page and all(str(task.pk) in page for task in tasks)
    assert [Task.objects.get(pk=task.pk).status for task in tasks] == [status, status]


def test_disabling_schedules_asks_first(admin_client):
    push_tasks(1)
    schedule = Schedule.objects.get()
    response = admin_client.post(changelist("schedule"), {"action": "disable", "_selected_action": [str(schedule.pk)]})
    assert response.status_code == 200 and 'name="confirm"' in response.content.decode()
    assert Schedule.objects.get().enabled


def test_the_history_button_shows_the_tasks_own_history_with_seconds(admin_client):
    (task,) = push_tasks(1)
    task_pop(scheduler_id="boefje")
    task_transition(task_id=task.pk, status="completed")

    change_page = admin_client.get(reverse("admin:rocky_scheduler_task_change", args=[task.pk])).content.decode()
    history_url = reverse("admin:rocky_scheduler_task_history", args=[task.pk])
    assert history_url in change_page

    page = admin_client.get(history_url).content.decode()
    for status in ("queued", "dispatched", "completed"):
        assert status in page
    # Times to the second: the rows of one quick run are told apart.
    times = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", page)
    assert len(times) >= 3
    assert all(datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S") for text in times)
