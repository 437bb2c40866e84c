"""Users for the management commands, made through whatever user model the host has.

The standalone project has Django's `User` (login by username, e-mail optional); Rocky's `KATUser` logs
in by its e-mail, which is unique, and requires a full name. So a user is found and made by the model's
USERNAME_FIELD, and each of its REQUIRED_FIELDS gets a value derived from the login when none is given.
An empty e-mail is never stored where e-mail is unique: the second user made would collide with the first.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.tokens import token_issue

USER_NOT_FOUND = _("No user with {field} {login!r}.")
EMAIL_NEEDED = _("{model} needs a unique {field}: give one (--email).")


class UserError(Exception):
    """A user that cannot be found or made as asked; the message says why."""


def user_find(login: str) -> Any:
    """The user whose USERNAME_FIELD is `login` (an e-mail login matches in any case, as it is typed)."""
    model = get_user_model()
    field = model.USERNAME_FIELD
    lookup = f"{field}__iexact" if field == model.get_email_field_name() else field
    user = model._default_manager.filter(**{lookup: login}).order_by("pk").first()
    if user is None:
        raise UserError(USER_NOT_FOUND.format(field=field, login=login))
    return user


def _email_is_unique(model: Any, field: str) -> bool:
    return any(f.name == field and f.unique for f in model._meta.get_fields())


@transaction.atomic
def user_ensure(login: str, *, email: str = "", **fields: Any) -> tuple[Any, bool]:
    """The user logging in with `login`, made without a usable password if there is none: (user, created).

    `email` goes to the model's EMAIL_FIELD (ignored where that is the login); `fields` (`full_name`,
    `is_staff`, ...) fill a new user. An existing user is returned as it is.
    """
    try:
        return user_find(login), False
    except UserError:
        pass
    model = get_user_model()
    email_field = model.get_email_field_name()
    values = {name: value for name, value in fields.items() if name != model.USERNAME_FIELD}
    if email_field != model.USERNAME_FIELD:
        if email:
            values[email_field] = email
        elif _email_is_unique(model, email_field):
            raise UserError(EMAIL_NEEDED.format(model=model.__name__, field=email_field))
    for required in model.REQUIRED_FIELDS:
        if not values.get(required) and required != email_field:
            # Rocky's full_name: the login is a fair name for a machine account until someone edits it.
            values[required] = login
    user = model._default_manager.create_user(**{model.USERNAME_FIELD: login}, password=None, **values)
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user, True


# Roles of `scheduler_user`: the group (migration 0004) and whether the role works in the admin, which admits
# staff only. Workers only call the API, so they are not staff, and get a token instead.
ROLES = {
    "readonly": ("scheduler-readonly", True),
    "analyst": ("scheduler-analysts", True),
    "worker": ("scheduler-workers", False),
}


@dataclass(frozen=True)
class RoleOutcome:
    user: Any
    created: bool
    group: str
    # A worker's new key, shown this once; None for staff, or a worker that has a token already.
    key: str | None


@transaction.atomic
def user_ensure_role(*, login: str, role: str, email: str = "") -> RoleOutcome:
    """The user logging in with `login`, made if need be, in `role`'s group; staff for the admin roles,
    and a first token for a worker (later runs leave its tokens alone: a key is shown only when issued)."""
    group_name, staff = ROLES[role]
    user, created = user_ensure(login, email=email)
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=group_name))
    key = None
    if not staff and not ApiToken.objects.filter(user=user).exists():
        key = token_issue(user=user)
    return RoleOutcome(user=user, created=created, group=group_name, key=key)
