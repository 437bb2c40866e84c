"""`manage.py scheduler_user`: people for the admin are staff in their group; workers get a token."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.admin.conftest import changelist

pytestmark = pytest.mark.django_db


def scheduler_user(*args: str) -> str:
    out = io.StringIO()
    call_command("scheduler_user", *args, stdout=out)
    return out.getvalue()


def test_an_analyst_is_staff_in_the_analyst_group_and_can_use_the_admin():
    output = scheduler_user("alice", "--role", "analyst")

    user = User.objects.get(username="alice")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["scheduler-analysts"]
    assert not user.has_usable_password()
    assert "manage.py changepassword alice" in output
    client = Client()
    client.force_login(user)
    offered = dict(client.get(changelist("task")).context["action_form"].fields["action"].choices)
    assert {"move_to_front", "requeue", "cancel"} <= set(offered)


def test_a_worker_is_not_staff_and_gets_a_token_it_keeps():
    first = scheduler_user("runner", "--role", "worker")
    second = scheduler_user("runner", "--role", "worker")

    user = User.objects.get(username="runner")
    assert not user.is_staff
    token = Token.objects.get(user=user).key
    assert f"API token: {token}" in first and f"API token: {token}" in second
    assert second.startswith("updated runner in scheduler-workers")


def test_an_existing_user_keeps_its_password_and_becomes_staff():
    User.objects.create_user(username="rita", password="pw-rita")

    output = scheduler_user("rita", "--role", "readonly")

    user = User.objects.get(username="rita")
    assert user.is_staff and user.check_password("pw-rita")
    assert "changepassword" not in output
