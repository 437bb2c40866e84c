"""Who the in-process client acts as: a given user, else the user of the request being handled.

Rocky makes its clients without a user (`scheduler_client(organization.code)`, even once per view class at
import time), so the user is found when a call is made: `RequestUserMiddleware` records the request in a
context variable for the length of the request. Outside any request (Rocky's report runner, a management
command) the caller is the process itself, which may do anything: it already holds the database. A request the
middleware did not see must not pass for the process: Django's request signals mark every request, and a call
in one without the middleware is refused as a configuration error.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope, actor_name, user_may_change, user_scope
from rocky_scheduler.api.permissions import anonymous_mode, may_change_status, user_may

PROCESS_ACTOR = "process"
MIDDLEWARE_MISSING = (
    "The scheduler client was called during a request that rocky_scheduler.client.RequestUserMiddleware did not "
    "see: add it to MIDDLEWARE, or pass the user (SchedulerClient(..., user=request.user))."
)

_current_request: ContextVar[HttpRequest | None] = ContextVar("rocky_scheduler_client_request", default=None)
_in_request: ContextVar[bool] = ContextVar("rocky_scheduler_client_in_request", default=False)


def mark_request_started(**kwargs: Any) -> None:
    """Receiver of Django's request_started (connected in the app's ready())."""
    _in_request.set(True)


def mark_request_finished(**kwargs: Any) -> None:
    _in_request.set(False)


class RequestUserMiddleware:
    """Lets the scheduler client act as the request's user. Any place in MIDDLEWARE: the user is read per call."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


class Actor:
    """A user, or the process itself (`user` None)."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @property
    def is_process(self) -> bool:
        return self.user is None

    def may_read(self) -> bool:
        """As the API: any logged-in user reads (anyone in anonymous mode)."""
        return self.is_process or anonymous_mode() or bool(self.user.is_authenticated)

    def may(self, codename: str) -> bool:
        return self.is_process or user_may(self.user, codename)

    def may_change_status(self, status: str) -> bool:
        return self.is_process or may_change_status(self.user, status)

    def scope(self) -> OrganisationScope:
        """The organisations it may see (ROCKY_SCHEDULER["ORGANISATION_ACCESS"]); the process sees all."""
        return EVERY_ORGANISATION if self.is_process else user_scope(self.user)

    def may_change_organisation(self, organisation: str) -> bool:
        return self.is_process or user_may_change(self.user, organisation)

    @property
    def name(self) -> str:
        """How the task's history names it: as the API names the same user."""
        return PROCESS_ACTOR if self.is_process else actor_name(self.user)


def acting(user: Any) -> Actor:
    """`user` when given; else the current request's user (anonymous when it has none); else the process."""
    if user is not None:
        return Actor(user)
    request = _current_request.get()
    if request is None:
        if _in_request.get():
            raise ImproperlyConfigured(MIDDLEWARE_MISSING)
        return Actor(None)
    return Actor(getattr(request, "user", None) or AnonymousUser())
