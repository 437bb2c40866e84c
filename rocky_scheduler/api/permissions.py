"""Who may call what: authenticated users read; writes need the matching model permission.

With the host project's anonymous mode (ROCKY_SCHEDULER["API_ALLOW_ANONYMOUS"]) every call is
allowed, as on OpenKAT's trusted network.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from rocky_scheduler.access import (
    MAY_NOT_CHANGE_ORGANISATION,
    holds_permission,
    request_may_change,
)
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import TaskStatus

APP = "rocky_scheduler"
CROSS_SITE_REFUSED = _(
    "Anonymous API access takes no writes a browser sent from another site (Origin {origin}); "
    "API clients send no Origin header, and CSRF_TRUSTED_ORIGINS lists sites that may."
)


def anonymous_mode() -> bool:
    return bool(app_settings.API_ALLOW_ANONYMOUS)


class SchedulerApiPermission(BasePermission):
    """Authentication for every call; a view's `required_permissions[method]` for the rest."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if anonymous_mode():
            # Trusting the network is not trusting every web page a browser on it opens: an empty cross-site
            # form POST to /pop would otherwise dispatch tasks to nobody (CSRF without a session).
            if request.method not in SAFE_METHODS and sent_from_another_site(request):
                # Raised, not returned: DRF would turn False for an anonymous caller into "401, log in".
                raise PermissionDenied(CROSS_SITE_REFUSED.format(origin=request.headers.get("Origin") or "unknown"))
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = getattr(view, "required_permissions", {}).get(request.method, ())
        return all(user.has_perm(f"{APP}.{codename}") for codename in needed)


class StaffOnly(BasePermission):
    """Scheduler settings: staff with change_scheduler (superusers have it), even in anonymous mode."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm(f"{APP}.change_scheduler"))


def sent_from_another_site(request: HttpRequest) -> bool:
    """Whether a browser marked the request as coming from a page of another site.

    Browsers send `Origin` on every cross-origin POST, PATCH and DELETE and `Sec-Fetch-Site` on
    every request; boefje runners and Rocky's server-side client send neither.
    """
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin != own and origin not in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])


def user_has(request: HttpRequest, codename: str) -> bool:
    return user_may(getattr(request, "user", None), codename)


def user_may(user: Any, codename: str) -> bool:
    """Whether `user` holds the model permission `codename` of the app (anyone may, in anonymous mode)."""
    return anonymous_mode() or holds_permission(user, codename)


def may_change_status(user: Any, status: str) -> bool:
    """Cancelling needs cancel_task (analysts); any other status change is a worker's (pop_task)."""
    needed = "cancel_task" if status == TaskStatus.CANCELLED else "pop_task"
    return user_may(user, needed) or user_may(user, "pop_task")


def refuse_unless_may_change(request: HttpRequest, organisation: str) -> None:
    """403 with the reason when the access policy closes `organisation` to the caller's changes."""
    if not request_may_change(request, organisation):
        raise PermissionDenied(MAY_NOT_CHANGE_ORGANISATION.format(organisation=organisation))
