"""Who may do what in the admin: the default groups' permissions, as the API honours them."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from tests.admin.conftest import change, changelist, list_edit_payload, push_tasks, run_action
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


def test_a_reader_sees_the_lists_without_inputs_or_actions(reader_client):
    push_tasks(2)

    for model in ("task", "taskevent", "schedule", "scheduler"):
        page = reader_client.get(changelist(model))
        assert page.status_code == 200, model
        assert page.context["action_form"] is None, model
    assert reader_client.get(changelist("task")).context["cl"].formset is None


def test_a_reader_cannot_change_priority_from_the_list(reader_client):
    task = push_tasks(1, priority=9)[0]

    response = reader_client.post(changelist("task"), list_edit_payload([(task, 1)]))

    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).priority == 9
    assert not TaskEvent.objects.filter(task=task, kind="priority").exists()


@pytest.mark.parametrize("action", ["move_to_front", "cancel", "requeue", "retry"])
def test_a_reader_cannot_run_actions(reader_client, action):
    task = push_tasks(1, priority=9)[0]

    run_action(reader_client, "task", action, [task])

    assert Task.objects.filter(pk=task.pk, status=TaskStatus.QUEUED, priority=9).exists()
    assert Task.objects.count() == 1


def test_a_reader_can_open_a_task_but_not_save_it(reader_client):
    task = push_tasks(1, priority=9)[0]

    page = reader_client.get(change("task", task.pk))
    assert page.status_code == 200
    assert 'name="priority"' not in page.content.decode()

    assert reader_client.post(change("task", task.pk), {"priority": "1"}).status_code == 403
    assert Task.objects.get(pk=task.pk).priority == 9


def test_nobody_adds_or_deletes_tasks_in_the_admin(admin_client):
    task = push_tasks(1)[0]

    assert admin_client.get(changelist("task") + "add/").status_code == 403
    assert admin_client.get(reverse("admin:rocky_scheduler_task_delete", args=[task.pk])).status_code == 403
    offered = dict(admin_client.get(changelist("task")).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in offered


def test_an_analyst_cannot_change_scheduler_settings(analyst_client):
    response = analyst_client.post(change("scheduler", "boefje"), {"maxsize": "5", "ranker": "x"})

    assert response.status_code == 403
    assert Scheduler.objects.get(pk="boefje").maxsize == 0
    assert analyst_client.get(changelist("scheduler")).context["action_form"] is None


def test_group_members_need_staff_status_to_log_in(db):
    # The groups carry permissions; the admin admits only staff (docs/rocky-integration.md).
    user = make_user("analyst-no-staff")
    user.groups.add(Group.objects.get(name="scheduler-analysts"))
    client = Client()
    client.force_login(user)

    response = client.get(changelist("task"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
