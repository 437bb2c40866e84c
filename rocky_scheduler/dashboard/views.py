"""The dashboard page and the JSON its script polls. Staff only, like the admin it links into."""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rocky_scheduler.access import request_scope
from rocky_scheduler.catalogue.health import catalogue_health
from rocky_scheduler.dashboard.presentation import dashboard_json
from rocky_scheduler.dashboard.selectors import DEFAULT_HOURS, MAX_HOURS, dashboard_snapshot

# The script polls this often; the page tells it, so one constant sets both.
REFRESH_SECONDS = 5
# The namespace of rocky_scheduler.dashboard_urls (its app_name).
NAMESPACE = "rocky_scheduler_dashboard"
HOUR_CHOICES = (1, 3, 6, 12, 24)
NOT_STAFF = "Staff login required; log in again through the admin."


def _hours(request: HttpRequest) -> int:
    # A bad value falls back to the default: this is a page people type into, not an API.
    try:
        hours = int(request.GET.get("hours", DEFAULT_HOURS))
    except ValueError:
        return DEFAULT_HOURS
    return min(max(hours, 1), MAX_HOURS)


def staff_json_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A script cannot follow a redirect to a login form; it gets a 403 with a reason instead."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_active and user.is_staff):
            return JsonResponse({"detail": NOT_STAFF}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def dashboard_url(name: str, request: HttpRequest | None = None) -> str:
    """The path of a dashboard route under wherever the host mounted the dashboard.

    `reverse()` joins the mount and the route as they are written; mounted without a trailing slash
    (`path("dashboard", ...)`), that would run them together (`/dashboarddata`). The slash goes in here.
    """
    namespace = (request.resolver_match.namespace if request and request.resolver_match else None) or NAMESPACE
    index = reverse(f"{namespace}:index", current_app=namespace)
    path = reverse(f"{namespace}:{name}", current_app=namespace)
    if index.endswith("/") or path == index:
        return path
    return f"{index}/{path.removeprefix(index)}"


# The words dashboard.js writes when it rebuilds the page on refresh, in the request's language; handed over
# through json_script because the CSP (script-src 'self') forbids inline scripts.
JS_LABELS = (
    gettext_noop("paused"),
    gettext_noop("Queued"),
    gettext_noop("Oldest queued"),
    gettext_noop("Stuck"),
    gettext_noop("Tasks by status"),
    gettext_noop("pushes"),
    gettext_noop("pops"),
    gettext_noop("Task"),
    gettext_noop("Scheduler"),
    gettext_noop("Organisation"),
    gettext_noop("Status"),
    gettext_noop("Expired"),
    gettext_noop("Worker"),
    gettext_noop("Failed"),
    gettext_noop("Attempts"),
    gettext_noop("Reason"),
    gettext_noop("By scheduler"),
    gettext_noop("Nothing queued."),
    gettext_noop("No stuck tasks."),
    gettext_noop("No failed tasks."),
    # Chart captions and units; dashboard.js fills in the {placeholders}.
    gettext_noop("max {limit}"),
    gettext_noop("avg. last {minutes} min"),
    gettext_noop("Pushes and pops per minute, last {hours} h"),
    gettext_noop("Pushes and pops"),
    gettext_noop("per minute"),
    gettext_noop("averaged over {minutes} min"),
    gettext_noop("times in UTC"),
    gettext_noop("{time} UTC: {pushes} pushes, {pops} pops per minute"),
    gettext_noop("refresh failed"),
    gettext_noop("refresh failed (HTTP {status})"),
)


def _js_labels() -> dict[str, str]:
    labels = {label: gettext(label) for label in JS_LABELS}
    labels["%s ago"] = gettext("%s ago")
    return labels


@require_GET
@never_cache
@staff_member_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    hours = _hours(request)
    data = dashboard_json(
        dashboard_snapshot(now=timezone.now(), hours=hours, scope=request_scope(request)), catalogue_health()
    )
    return render(
        request,
        "rocky_scheduler/dashboard/index.html",
        {
            "dashboard": data,
            "hours": hours,
            "hour_choices": HOUR_CHOICES,
            "refresh_seconds": REFRESH_SECONDS,
            "data_url": dashboard_url("data", request),
            "labels": _js_labels(),
        },
    )


@require_GET
@never_cache
@staff_json_required
def dashboard_data(request: HttpRequest) -> JsonResponse:
    snapshot = dashboard_snapshot(now=timezone.now(), hours=_hours(request), scope=request_scope(request))
    return JsonResponse(dashboard_json(snapshot, catalogue_health()))
