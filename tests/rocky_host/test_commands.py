"""The management commands with Rocky's user model: the login is a unique e-mail and a full name is required.

Before, `scheduler_user` made users with an empty e-mail (the second one hit the unique constraint) and
`drf_create_token <name>` could not find them."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from rocky_scheduler.services.tokens import token_authenticate

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def holder(key: str):
    found = token_authenticate(key)
    return found and found[0]


def test_the_host_logs_in_by_a_unique_email():
    model = get_user_model()
    assert model.USERNAME_FIELD == model.get_email_field_name() == "email"
    assert model.REQUIRED_FIELDS == ["full_name"]


@pytest.mark.parametrize("role", ["worker", "analyst", "readonly"])
def test_two_users_in_a_row_do_not_collide(role):
    run("scheduler_user", "runner-1@example.com", "--role", role)
    run("scheduler_user", "runner-2@example.com", "--role", role)

    users = get_user_model().objects.order_by("email")
    assert [user.email for user in users] == ["runner-1@example.com", "runner-2@example.com"]
    assert all(user.full_name and not user.has_usable_password() for user in users)
    assert all(user.groups.exists() for user in users)


def test_a_worker_gets_a_token_and_scheduler_token_finds_it_by_email():
    out, _ = run("scheduler_user", "runner@example.com", "--role", "worker")
    first = out.split("API token (shown once): ")[1].strip()
    user = get_user_model().objects.get(email="runner@example.com")
    assert holder(first) == user

    # Typed as the person remembers it: Rocky lower-cases addresses.
    second = run("scheduler_token", "Runner@Example.com", "--replace")[0].strip()
    third = run("scheduler_token", "runner@example.com", "--name", "second-host")[0].strip()

    assert holder(first) is None
    assert holder(second) == user and holder(third) == user


def test_scheduler_token_of_an_unknown_address_names_the_email_field():
    with pytest.raises(CommandError, match="No user with email 'nobody@example.com'"):
        run("scheduler_token", "nobody@example.com")


def test_seed_demo_makes_an_email_login_and_a_new_token_each_run():
    first, _ = run("seed_demo")
    second, _ = run("seed_demo")

    assert "Staff login: admin@example.com / rocky-admin" in first
    assert "Staff login: admin@example.com / (unchanged)" in second
    admin = get_user_model().objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.check_password("rocky-admin")
    keys = [output.split(": ")[-1].strip() for output in (first, second)]
    assert holder(keys[0]) is None and holder(keys[1]) == admin
