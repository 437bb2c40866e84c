"""API tokens: issue (the key is shown once), replace, revoke, and authenticate by the key's digest.

A key is `rks_` + 43 URL-safe characters (256 random bits). The database keeps only its SHA-256: a
key that random needs no salt or slow hash, and a plain digest lets authentication be one indexed lookup.
The prefix says "this key is the scheduler's", so a host's own token classes (knox, which also reads
`Authorization: Token`) can be asked about every other key (rocky_scheduler.api.authentication).
"""

import datetime
import hashlib
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.common import Clock, default_clock

KEY_PREFIX = "rks_"
DEFAULT_NAME = "default"
# How stale `last_used` may be: often enough to tell a live runner from a forgotten one, rarely enough
# that a worker's pops do not each write a row.
LAST_USED_INTERVAL = datetime.timedelta(minutes=5)

# Messages, not secrets (S105).
TOKEN_EXISTS = _("{user} already has a token named {name!r}; replace it (--replace) or choose another name.")  # noqa: S105
TOKEN_NOT_FOUND = _("{user} has no token named {name!r}.")  # noqa: S105


class TokenError(Exception):
    """A token operation that cannot be done as asked; the message says why."""


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def is_scheduler_key(key: str) -> bool:
    return key.startswith(KEY_PREFIX)


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def token_issue(*, user: Any, name: str = DEFAULT_NAME, clock: Clock = default_clock) -> str:
    """A new key for `user`, named `name`; returned once, never stored. Refuses a name the user already has."""
    key = _new_key()
    try:
        with transaction.atomic():
            ApiToken.objects.create(user=user, name=name, digest=key_digest(key), created=clock())
    except IntegrityError:
        # The (user, name) constraint decides, so two concurrent issues cannot both win.
        raise TokenError(TOKEN_EXISTS.format(user=user, name=name)) from None
    return key


@transaction.atomic
def token_replace(*, user: Any, name: str = DEFAULT_NAME, clock: Clock = default_clock) -> str:
    """Revoke `user`'s token named `name` (if any) and issue a new one under that name."""
    ApiToken.objects.filter(user=user, name=name).delete()
    return token_issue(user=user, name=name, clock=clock)


@transaction.atomic
def token_revoke(*, user: Any, name: str = DEFAULT_NAME) -> None:
    """Revoke `user`'s token named `name`; the key is refused from then on."""
    deleted, _ = ApiToken.objects.filter(user=user, name=name).delete()
    if not deleted:
        raise TokenError(TOKEN_NOT_FOUND.format(user=user, name=name))


def token_authenticate(key: str, *, clock: Clock = default_clock) -> tuple[Any, ApiToken] | None:
    """The active user a key belongs to, with its token; None for an unknown key or an inactive user."""
    try:
        token = ApiToken.objects.select_related("user").get(digest=key_digest(key))
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = clock()
    if token.last_used is None or now - token.last_used >= LAST_USED_INTERVAL:
        # update(), not save(): no signal, so the authentication memory of other tokens is not flushed.
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token.user, token
