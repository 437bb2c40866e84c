"""`manage.py scheduler_user`: people for the admin are staff in their group; workers get a token, shown once.

Written against tests/support/users.py, so it holds for an e-mail user model too (tests/rocky_host)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.tokens import token_authenticate
from tests.admin.conftest import changelist
from tests.support.users import find_user, login_of, make_user

pytestmark = pytest.mark.django_db

SHOWN_ONCE = "API token (shown once): "


def scheduler_user(*args: str) -> str:
    out = io.StringIO()
    call_command("scheduler_user", *args, stdout=out)
    return out.getvalue()


def test_an_analyst_is_staff_in_the_analyst_group_and_can_use_the_admin():
    output = scheduler_user(login_of("alice"), "--role", "analyst")

    user = find_user("alice")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["scheduler-analysts"]
    assert not user.has_usable_password()
    assert f"manage.py changepassword {login_of('alice')}" in output
    client = Client()
    client.force_login(user)
    offered = dict(client.get(changelist("task")).context["action_form"].fields["action"].choices)
    assert {"move_to_front", "requeue", "cancel"} <= set(offered)


def test_a_worker_is_not_staff_and_gets_a_token_shown_once():
    first = scheduler_user(login_of("runner"), "--role", "worker")
    second = scheduler_user(login_of("runner"), "--role", "worker")

    user = find_user("runner")
    assert not user.is_staff
    key = first.split(SHOWN_ONCE)[1].strip()
    assert token_authenticate(key)[0] == user
    # The second run cannot show the key again (only its digest is kept); it says how to get a new one.
    assert key not in second and SHOWN_ONCE not in second
    assert f"manage.py scheduler_token {login_of('runner')} --replace" in second
    assert second.startswith(f"updated {login_of('runner')} in scheduler-workers")
    assert ApiToken.objects.filter(user=user).count() == 1


def test_an_existing_user_keeps_its_password_and_becomes_staff():
    make_user("rita", password="pw-rita")

    output = scheduler_user(login_of("rita"), "--role", "readonly")

    user = find_user("rita")
    assert user.is_staff and user.check_password("pw-rita")
    assert "changepassword" not in output
