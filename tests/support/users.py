"""Users for tests, made through whatever user model the project has.

The standalone project has Django's `User` (login by username); Rocky's `KATUser` logs in by a unique
e-mail and requires a full name. Tests name people ("analyst"); `login_of` turns that into the
identifier the model logs in with, so the same test reads the same in both hosts.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


def uses_email_login() -> bool:
    model = get_user_model()
    return model.USERNAME_FIELD == model.get_email_field_name()


def login_of(name: str) -> str:
    """What `name` logs in with: the name itself, or an e-mail address made from it."""
    return f"{name}@example.com" if uses_email_login() else name


def actor(name: str) -> str:
    """How the task history names `name` (rocky_scheduler.access.actor_name)."""
    return f"user:{login_of(name)}"


def _identity(name: str) -> dict[str, Any]:
    model = get_user_model()
    fields: dict[str, Any] = {model.USERNAME_FIELD: login_of(name)}
    for required in model.REQUIRED_FIELDS:
        fields[required] = f"{name}@example.com" if required == model.get_email_field_name() else name
    return fields


def make_user(name: str, *, password: str | None = None, **flags: Any):
    return get_user_model().objects.create_user(**_identity(name), password=password or f"pw-{name}", **flags)


def make_superuser(name: str, *, password: str | None = None):
    return get_user_model().objects.create_superuser(**_identity(name), password=password or f"pw-{name}")


def user_in(group: str | None, name: str, **flags: Any):
    user = make_user(name, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def find_user(name: str):
    model = get_user_model()
    return model.objects.get(**{model.USERNAME_FIELD: login_of(name)})
