"""Who may call what: authenticated users read; writes need the matching model permission.

With the host project's anonymous mode (ROCKY_SCHEDULER["API_ALLOW_ANONYMOUS"]) every call is
allowed, as on OpenKAT's trusted network.
"""

from rest_framework.permissions import BasePermission

from rocky_scheduler.conf import app_settings

APP = "rocky_scheduler"


def anonymous_mode() -> bool:
    return bool(app_settings.API_ALLOW_ANONYMOUS)


class SchedulerApiPermission(BasePermission):
    """Authentication for every call; a view's `required_permissions[method]` for the rest."""

    def has_permission(self, request, view) -> bool:
        if anonymous_mode():
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = getattr(view, "required_permissions", {}).get(request.method, ())
        return all(user.has_perm(f"{APP}.{codename}") for codename in needed)


class StaffOnly(BasePermission):
    """Scheduler settings: staff with change_scheduler (superusers have it), even in anonymous mode."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm(f"{APP}.change_scheduler"))


def user_has(request, codename: str) -> bool:
    if anonymous_mode():
        return True
    return bool(request.user and request.user.is_authenticated and request.user.has_perm(f"{APP}.{codename}"))


def actor_of(request) -> str:
    """How history names whoever made the request."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.get_username()}"
    return "api:anonymous"
