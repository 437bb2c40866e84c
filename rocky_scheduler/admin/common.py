"""What every scheduler admin shares: who is acting, readable JSON, read-only history inlines,
and running a service once per selected object with counts reported back to the user."""

import datetime
import json
import string
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import holds_permission
from rocky_scheduler.errors import SchedulerError, StrOrPromise

# One action request runs its service this many times at most: beyond that the request would
# outlive any proxy timeout, and "select all" on a million tasks is almost always a slip.
ACTION_LIMIT = 5_000
TOO_MANY_SELECTED = _("More than {limit} selected; an action runs on at most {limit} at a time. Filter the list first.")
# Long-running tasks heartbeat often; the page shows the latest events, not all of them.
HISTORY_LIMIT = 200
# How an action reports rows it did not change, e.g. "2 tasks refused: <reason>".
REFUSED = _("{count} {name} refused: {reason}")
# Served from the app's static files (no inline styles: a host's CSP may forbid them).
ADMIN_CSS = {"all": ["rocky_scheduler/admin/admin.css"]}


# History to the second: events of one task often fall within the same minute.
EXACT_TIME_FORMAT = "Y-m-d H:i:s"
# The shape of a UUID as the admin prints it; a short id is a prefix of it.
UUID_SHAPE = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
# The confirmation page names this many of the selected objects; the rest are counted.
CONFIRM_SHOWN = 100
CONFIRM_FIELD = "confirm"

ModelT = TypeVar("ModelT", bound=Model)

if TYPE_CHECKING:
    # Type-checked as the ModelAdmin a mixin is mixed into, so its super() calls and self.message_user are known.
    ModelAdminMixin = admin.ModelAdmin
else:

    class ModelAdminMixin:
        """At run time a plain base for the admin mixins; `Mixin[Model]` is the mixin itself, as the type
        checker reads it as ModelAdmin[Model]."""

        def __class_getitem__(cls, model: Any) -> type:
            return cls


def exact_time(value: datetime.datetime | None) -> str:
    if value is None:
        return "–"
    return date_format(localtime(value), EXACT_TIME_FORMAT)


def uuid_prefix_range(term: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The smallest and largest UUID starting with `term` (a short id such as `5045dcab`), or None when
    `term` is no prefix of a printed UUID. A range on the primary key's index, not a cast and LIKE."""
    term = term.strip().lower()
    if not term or len(term) > len(UUID_SHAPE):
        return None
    for char, shape in zip(term, UUID_SHAPE, strict=False):
        if (shape == "-") != (char == "-") or (char != "-" and char not in string.hexdigits):
            return None
    digits = term.replace("-", "")
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))


def id_prefix_q(term: str, field: str = "pk") -> Q | None:
    """`field` between the bounds of uuid_prefix_range, or None when `term` is no short id."""
    bounds = uuid_prefix_range(term)
    if bounds is None:
        return None
    return Q(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1]})


def user_has(request: HttpRequest, codename: str) -> bool:
    return holds_permission(request.user, codename)


def pretty_json(value: Any) -> SafeString:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="rocky-json">{}</pre>', text)


def short_text(value: str | None, length: int = 48) -> SafeString | str:
    """A long value (an OOI reference) cut to fit a list column, whole in its tooltip."""
    if not value:
        return "–"
    if len(value) <= length:
        return value
    return format_html('<span title="{}">{}</span>', value, Truncator(value).chars(length))


@dataclass
class ActionReport:
    """Per-action counts: what was done, what was already so, and each distinct refusal."""

    done: int = 0
    unchanged: int = 0
    refusals: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def send(
        self, modeladmin: admin.ModelAdmin, request: HttpRequest, *, done: StrOrPromise, unchanged: StrOrPromise = ""
    ) -> None:
        # `done`/`unchanged` are sentences with {count} and {name}; refusals are grouped by their message.
        if self.done:
            modeladmin.message_user(request, done.format(count=self.done, name=_name(modeladmin, self.done)))
        if self.unchanged and unchanged:
            modeladmin.message_user(
                request, unchanged.format(count=self.unchanged, name=_name(modeladmin, self.unchanged)), messages.INFO
            )
        for note in self.notes:
            modeladmin.message_user(request, note, messages.INFO)
        # Most frequent first, then alphabetical: the same selection always reads the same.
        for reason, count in sorted(self.refusals.items(), key=lambda item: (-item[1], item[0])):
            refused = REFUSED.format(count=count, name=_name(modeladmin, count), reason=reason)
            modeladmin.message_user(request, refused, messages.WARNING)
        if not (self.done or self.unchanged or self.refusals or self.notes):
            modeladmin.message_user(request, _("Nothing was selected."), messages.INFO)


def _name(modeladmin: admin.ModelAdmin, count: int) -> str:
    opts = modeladmin.model._meta
    return str(opts.verbose_name if count == 1 else opts.verbose_name_plural)


def run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    # What it returns is only compared with False: services return the row they changed.
    operation: Callable[[Any], object],
) -> ActionReport | None:
    """Call `operation(pk)` per selected row, each in its own service transaction.

    A SchedulerError (illegal transition, duplicate, full queue...) is a refusal to count and
    report, never a 500; the other rows go ahead. `operation` returns False for "already so".
    None (after a message) when the selection is too large to run in one request.
    """
    # In the list's own order, so rows are handled as the user sees them.
    pks = list(queryset.values_list("pk", flat=True)[: ACTION_LIMIT + 1])
    if len(pks) > ACTION_LIMIT:
        modeladmin.message_user(request, TOO_MANY_SELECTED.format(limit=ACTION_LIMIT), messages.ERROR)
        return None
    report = ActionReport()
    for pk in pks:
        try:
            changed = operation(pk)
        except SchedulerError as error:
            report.refusals[error.message] += 1
        else:
            if changed is False:
                report.unchanged += 1
            else:
                report.done += 1
    return report


def confirm_first(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    question: StrOrPromise,
    button: StrOrPromise,
) -> TemplateResponse | None:
    """Django's intermediate page for an action that cannot be undone: None once the POST carries the
    confirmation (the action then runs), otherwise the page listing the selection with a confirm button."""
    if request.POST.get(CONFIRM_FIELD):
        return None
    pks = list(queryset.values_list("pk", flat=True)[: ACTION_LIMIT + 1])
    if len(pks) > ACTION_LIMIT:
        # Nothing to confirm: run_each refuses this selection with its own message.
        return None
    opts = modeladmin.model._meta
    site = modeladmin.admin_site.name
    shown = [
        (reverse(f"{site}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), str(obj))
        for obj in queryset.filter(pk__in=pks[:CONFIRM_SHOWN])
    ]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Are you sure?"),
        "subtitle": None,
        "opts": opts,
        "question": question,
        "button": button,
        "action": request.POST.get("action", ""),
        "pks": pks,
        "shown": shown,
        "more": len(pks) - len(shown),
        # The list as it was (its filters and search), where the POST came from.
        "back_url": request.get_full_path(),
        "confirm_field": CONFIRM_FIELD,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/rocky_scheduler/action_confirmation.html", context)


class HistoryFormSet(forms.BaseInlineFormSet):
    """The latest HISTORY_LIMIT events, newest first: a long run's heartbeats would bury the rest."""

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset().order_by("-at", "-id")[:HISTORY_LIMIT]
        return self._latest


class HistoryInline(admin.TabularInline):
    """Append-only history shown on its parent's page: nobody adds, edits or deletes it here.

    Whoever may see the parent may see its history (the default groups hold no separate
    view permission for schedule events)."""

    formset = HistoryFormSet
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        parent = self.parent_model._meta
        return user_has(request, f"view_{parent.model_name}") or user_has(request, f"change_{parent.model_name}")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


NUL_IN_QUERY = _("Filters and searches must not contain NUL characters.")


class RefuseNulQueryMixin(ModelAdminMixin[ModelT]):
    """List filters and searches with a NUL character are a 400: PostgreSQL cannot compare such text."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest(str(NUL_IN_QUERY))
        return super().changelist_view(request, extra_context)
