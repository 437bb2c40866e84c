"""Which organisations a user may see and change: one pluggable policy, `ROCKY_SCHEDULER["ORGANISATION_ACCESS"]`.

A policy answers about a user: which organisations they may see (every one, or a set of codes), and
whether they may change one organisation's work. The API, the admin, the dashboard and the in-process
client ask through `request_scope`/`user_scope` and narrow every queryset with `scope.filter`, so an
organisation a user may not see is absent everywhere: its objects are 404s and its tasks are in no count.

Model permissions (push_task, cancel_task, ...) still decide *what* a user may do; the policy decides *where*.
Workers (users holding pop_task: boefje runners and their machine tokens) serve every organisation's queue,
so they see every organisation unless the policy scopes them (`worker_scope`; Rocky's: a runner made a member
of organisations serves only those).
"""

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.conf import app_settings

# A message, shown as the `detail` of a 403: the organisation is named by the caller, so naming it leaks nothing.
MAY_NOT_CHANGE_ORGANISATION = _("You may not change the work of organisation {organisation!r}.")
WORKER_PERMISSION = "rocky_scheduler.pop_task"
APP_LABEL = "rocky_scheduler"


@dataclass(frozen=True)
class OrganisationScope:
    """Every organisation (`codes` None), or only those whose codes are listed."""

    codes: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.codes is None

    def includes(self, organisation: str) -> bool:
        return self.codes is None or organisation in self.codes

    def q(self, field: str = "organisation") -> Q:
        """A condition on `field` (an organisation code column); matches every row when unscoped."""
        return Q() if self.codes is None else Q(**{f"{field}__in": sorted(self.codes)})

    def filter(self, queryset: QuerySet, field: str = "organisation") -> QuerySet:
        return queryset if self.codes is None else queryset.filter(self.q(field))

    @classmethod
    def only(cls, codes: Iterable[str]) -> "OrganisationScope":
        return cls(frozenset(codes))


EVERY_ORGANISATION = OrganisationScope()
NO_ORGANISATION = OrganisationScope(frozenset())


class OrganisationAccess(ABC):
    """A policy: which organisations `user` may see, and whether they may change one's work.

    `user` is an authenticated user (anonymous callers never reach a policy). Implementations should cost
    at most a query or two: they are asked once per request.
    """

    @abstractmethod
    def visible(self, user: Any) -> OrganisationScope:
        """The organisations whose tasks and schedules `user` may see."""

    def may_change(self, user: Any, organisation: str) -> bool:
        """Whether `user` may push, re-prioritise, cancel or schedule work of `organisation`; default: if visible."""
        return self.visible(user).includes(organisation)

    def worker_scope(self, user: Any) -> OrganisationScope:
        """What a worker (a user holding pop_task) sees and changes; default: every organisation."""
        return EVERY_ORGANISATION


class AllOrganisationsAccess(OrganisationAccess):
    """Every user sees and changes every organisation; model permissions (groups) alone decide. The default."""

    def visible(self, user: Any) -> OrganisationScope:
        return EVERY_ORGANISATION

    def may_change(self, user: Any, organisation: str) -> bool:
        return True


_policies: dict[str, OrganisationAccess] = {}
_policies_lock = threading.Lock()


def access_policy() -> OrganisationAccess:
    """The configured policy, made once per dotted path (a settings override picks up a new one)."""
    path = app_settings.ORGANISATION_ACCESS
    policy = _policies.get(path)
    if policy is None:
        with _policies_lock:
            policy = _policies.setdefault(path, import_string(path)())
    return policy


def is_worker(user: Any) -> bool:
    """A boefje runner's user: it pops. Superusers are people, and go to the policy like everyone else."""
    return not user.is_superuser and user.has_perm(WORKER_PERMISSION)


def user_scope(user: Any) -> OrganisationScope:
    """What `user` may see; nothing for an anonymous user, except in anonymous mode (a trusted network)."""
    if user is None or not user.is_authenticated:
        return EVERY_ORGANISATION if app_settings.API_ALLOW_ANONYMOUS else NO_ORGANISATION
    policy = access_policy()
    if isinstance(policy, AllOrganisationsAccess):
        return EVERY_ORGANISATION  # without asking for the user's permissions: no query on a worker's every pop
    return policy.worker_scope(user) if is_worker(user) else policy.visible(user)


def user_may_change(user: Any, organisation: str) -> bool:
    if user is None or not user.is_authenticated:
        return bool(app_settings.API_ALLOW_ANONYMOUS)
    policy = access_policy()
    if isinstance(policy, AllOrganisationsAccess):
        return True
    if is_worker(user):
        return policy.worker_scope(user).includes(organisation)
    return policy.may_change(user, organisation)


def user_may_change_everywhere(user: Any) -> bool:
    """Whether no organisation is closed to `user`'s changes: then a change need not look its object up first."""
    policy = access_policy()
    if isinstance(policy, AllOrganisationsAccess):
        return True
    if user is None or not user.is_authenticated:
        return bool(app_settings.API_ALLOW_ANONYMOUS)
    return is_worker(user) and policy.worker_scope(user).everything


_SCOPE_ATTRIBUTE = "_rocky_scheduler_organisation_scope"


def request_scope(request: Any) -> OrganisationScope:
    """What the caller of `request` (DRF's or Django's) may see, asked of the policy once per request."""
    # DRF's Request wraps Django's; remember on the inner one so a view and its helpers share the answer.
    holder = getattr(request, "_request", request)
    scope = getattr(holder, _SCOPE_ATTRIBUTE, None)
    if scope is None:
        scope = user_scope(getattr(request, "user", None))
        setattr(holder, _SCOPE_ATTRIBUTE, scope)
    return scope


def request_may_change(request: Any, organisation: str) -> bool:
    return user_may_change(getattr(request, "user", None), organisation)


def holds_permission(user: Any, codename: str) -> bool:
    """Whether `user` is signed in and holds the app's model permission `codename` (push_task, cancel_task, ...)."""
    return bool(user is not None and user.is_authenticated and user.has_perm(f"{APP_LABEL}.{codename}"))


def actor_name(user: Any) -> str:
    """How history names `user`: the API, the admin and the in-process client write the same form."""
    if user is not None and user.is_authenticated:
        return f"user:{user.get_username()}"
    return "api:anonymous"


def actor_of(request: Any) -> str:
    """How history names whoever made the request (an admin or an API request)."""
    return actor_name(getattr(request, "user", None))
