"""The API key a test client sends, of whichever kind the host's workers use.

Inside Rocky every `Authorization` header meets Rocky's login-required middleware first, which refuses any key
knox does not know; so where the host lists knox in API_AUTHENTICATION_CLASSES, workers carry knox keys, and
the scheduler's API must take them. Elsewhere they carry the scheduler's own tokens.
"""

import uuid

from rocky_scheduler.conf import app_settings
from rocky_scheduler.services.tokens import token_issue

KNOX = "knox.auth.TokenAuthentication"


def host_uses_knox() -> bool:
    return KNOX in app_settings.API_AUTHENTICATION_CLASSES


def api_key_for(user) -> str:
    if host_uses_knox():
        from knox.models import AuthToken  # only installed in the Rocky-shaped host

        return AuthToken.objects.create(user)[1]
    # A fresh name per call: a test may ask twice for the same user, and each key is shown only once.
    return token_issue(user=user, name=f"test-{uuid.uuid4().hex[:8]}")
