"""`manage.py scheduler_token <login>`: a new key on stdout, once; replace, name and revoke; and seed_demo's token.

Written against tests/support/users.py, so it holds for an e-mail user model too (tests/rocky_host)."""

import io

import pytest
from django.core.management import CommandError, call_command

from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.tokens import token_authenticate
from tests.support.users import login_of, make_user

pytestmark = pytest.mark.django_db


def scheduler_token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("scheduler_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def holder(key: str):
    found = token_authenticate(key)
    return found and found[0]


def test_stdout_is_the_key_alone_and_it_works():
    user = make_user("runner")

    out, err = scheduler_token(login_of("runner"))

    key = out.strip()
    assert out == key + "\n" and key.startswith("rks_")
    assert holder(key) == user
    assert "shown once" in err and key not in err


def test_a_second_key_of_the_same_name_needs_replace_which_revokes_the_first():
    make_user("runner")
    first = scheduler_token(login_of("runner"))[0].strip()

    with pytest.raises(CommandError, match="--replace"):
        scheduler_token(login_of("runner"))
    second = scheduler_token(login_of("runner"), "--replace")[0].strip()

    assert holder(first) is None
    assert holder(second)
    assert ApiToken.objects.count() == 1


def test_named_tokens_live_side_by_side_and_revoke_removes_one():
    make_user("runner")
    one = scheduler_token(login_of("runner"), "--name", "host-1")[0].strip()
    two = scheduler_token(login_of("runner"), "--name", "host-2")[0].strip()

    out, err = scheduler_token(login_of("runner"), "--name", "host-1", "--revoke")

    assert out == "" and "Revoked" in err
    assert holder(one) is None and holder(two)
    with pytest.raises(CommandError, match="no token named 'host-1'"):
        scheduler_token(login_of("runner"), "--name", "host-1", "--revoke")


def test_an_unknown_login_is_an_error_naming_the_field():
    with pytest.raises(CommandError, match="No user with"):
        scheduler_token(login_of("nobody"))


def test_seed_demo_prints_a_new_working_token_on_each_run():
    def seed() -> str:
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        return out.getvalue().split("API token for ")[1].split(": ")[1].strip()

    first, second = seed(), seed()

    assert first != second
    assert holder(first) is None
    assert holder(second).is_superuser
