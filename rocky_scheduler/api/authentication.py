"""The scheduler's API tokens (`Authorization: Token rks_...`) with a short per-process memory of recent tokens.

A boefje runner sends the same token with every pop and every status report. Looking it up
(token, user, and for a non-superuser the user's and groups' permissions) was a third of each
call's CPU and up to three queries. Here a token that authenticated is trusted again for
TOKEN_CACHE_SECONDS without asking the database. A token revoked, or a user deactivated or
changed, is forgotten at once in the process that made the change (the signals below) and within
TOKEN_CACHE_SECONDS everywhere else; 0 turns the memory off. The memory is keyed by the key's digest,
so no key outlives its request in clear.
"""

import threading
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.tokens import is_scheduler_key, key_digest, token_authenticate

# More distinct tokens than this in one window is no worker fleet; start over rather than grow.
_MAX_ENTRIES = 4096
INVALID_TOKEN = _("Invalid token.")  # noqa: S105 - a message, not a secret


class _RecentTokens:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Any, ApiToken]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[Any, ApiToken] | None:
        entry = self._entries.get(digest)
        if entry is None or time.monotonic() >= entry[0]:
            return None
        return entry[1], entry[2]

    def put(self, digest: str, user: Any, token: ApiToken, seconds: float) -> None:
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + seconds, user, token)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


recent_tokens = _RecentTokens()


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` for the scheduler's own keys, answered from memory for a key seen lately.

    DRF's header parsing (keyword `Token`, one key) is kept; the key is checked against ApiToken digests.
    When the host added its own classes (API_AUTHENTICATION_CLASSES; Rocky's knox reads the same keyword),
    a key without our prefix is not ours to refuse: None lets the next class try it.
    """

    # None passes the key on to the next class: DRF's authenticate returns what this returns, but the stub's
    # return type leaves None out.
    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken] | None:  # type: ignore[override]
        if app_settings.API_AUTHENTICATION_CLASSES and not is_scheduler_key(key):
            return None
        digest = key_digest(key)
        seconds = app_settings.TOKEN_CACHE_SECONDS
        if seconds > 0:
            remembered = recent_tokens.get(digest)
            if remembered is not None:
                return remembered
        found = token_authenticate(key)
        if found is None:
            # Nothing is remembered for an unknown key or an inactive user.
            raise AuthenticationFailed(INVALID_TOKEN)
        if seconds > 0:
            recent_tokens.put(digest, *found, seconds)
        return found


def _forget_all(**kwargs: Any) -> None:
    recent_tokens.clear()


# Rare events (a token revoked; a user, their groups or permissions changed), so forgetting everything is fine.
# A remembered user also carries the permissions Django cached on it, hence the many-to-many changes too.
_User = get_user_model()
for _sender in (ApiToken, _User, Group):
    post_save.connect(
        _forget_all, sender=_sender, dispatch_uid=f"rocky_scheduler_forget_tokens_saved_{_sender.__name__}"
    )
    post_delete.connect(
        _forget_all, sender=_sender, dispatch_uid=f"rocky_scheduler_forget_tokens_deleted_{_sender.__name__}"
    )
for _through in (_User.groups.through, _User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(_forget_all, sender=_through, dispatch_uid=f"rocky_scheduler_forget_tokens_{_through.__name__}")
