"""Admin clients for each default group, and helpers to drive the change lists like a person would."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from rocky_scheduler.models import Task
from rocky_scheduler.services import task_push
from tests.factories import boefje_data
from tests.support.openkat_fixtures import katalogus, octopoes, openkat_setting  # noqa: F401 - fixtures
from tests.support.users import make_user


def staff_client(username: str, *, groups: tuple[str, ...] = (), permissions: tuple[str, ...] = ()) -> Client:
    user = make_user(username, is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="rocky_scheduler", codename=codename))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst_client(db) -> Client:
    return staff_client("ana", groups=("scheduler-analysts",))


@pytest.fixture
def reader_client(db) -> Client:
    return staff_client("rita", groups=("scheduler-readonly",))


def changelist(model: str) -> str:
    return reverse(f"admin:rocky_scheduler_{model}_changelist")


def change(model: str, pk) -> str:
    return reverse(f"admin:rocky_scheduler_{model}_change", args=[pk])


def run_action(client: Client, model: str, action: str, rows, *, query: str = ""):
    """POST an admin action over the selected rows (objects or primary keys), as the action bar does."""
    return client.post(
        changelist(model) + query,
        {"action": action, "_selected_action": [str(getattr(row, "pk", row)) for row in rows], "confirm": "yes"},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def push_tasks(count: int, *, organisation: str = "acme", priority: int = 5, actor: str = "system:test") -> list[Task]:
    return [
        task_push(
            scheduler_id="boefje",
            organisation=organisation,
            data=boefje_data(organisation=organisation),
            priority=priority,
            actor=actor,
        )
        for _ in range(count)
    ]


def list_edit_payload(rows: list[tuple[Task, int]], *, prefix: str = "form") -> dict[str, str]:
    """The change list's bulk-edit form: one management form, one sub-form per row on the page."""
    payload = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, (task, priority) in enumerate(rows):
        payload[f"{prefix}-{index}-id"] = str(task.pk)
        payload[f"{prefix}-{index}-priority"] = str(priority)
    return payload
