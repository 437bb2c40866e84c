"""Tasks in the admin. Every change goes through the services (status machine,
heap cache, history with the acting user); what the scheduler owns is read-only.

The priority form is in `task_forms`, the list actions (front, requeue, cancel, retry) in `task_actions`."""

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import MAY_NOT_CHANGE_ORGANISATION, actor_of
from rocky_scheduler.admin.common import (
    ADMIN_CSS,
    HistoryInline,
    RefuseNulQueryMixin,
    exact_time,
    id_prefix_q,
    pretty_json,
    short_text,
    user_has,
)
from rocky_scheduler.admin.filters import OrganisationFilter
from rocky_scheduler.admin.paging import EstimatingPaginator
from rocky_scheduler.admin.scoping import OrganisationScopedAdmin
from rocky_scheduler.admin.task_actions import TaskActions
from rocky_scheduler.admin.task_forms import REPRIORITISABLE, TaskPriorityForm
from rocky_scheduler.errors import SchedulerError
from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Plugin, Task, TaskEvent, TaskType
from rocky_scheduler.services import task_set_priority

# Characters of the OOI the list shows (all of it in the tooltip and on the task's page).
OOI_SHOWN = 30

SCHEDULER_OWNED = (
    "id",
    "scheduler",
    "schedule_link",
    "organisation",
    "status",
    "type",
    "hash",
    "data_pretty",
    "attempts",
    "dispatched_at",
    "lease_owner",
    "lease_expires_at",
    "created_at",
    "modified_at",
)


# The task's own history page: a long run's heartbeats fill pages, so it is paged.
HISTORY_PAGE = 100


class TaskEventInline(HistoryInline):
    model = TaskEvent
    fields = ("at_exact", "kind", "from_status", "to_status", "from_priority", "to_priority", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = _("history (latest first)")

    @admin.display(description=_("at"))
    def at_exact(self, event: TaskEvent) -> str:
        return exact_time(event.at)


class TaskChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: list[str | None] | None = None) -> QuerySet:
        # The list shows two values out of `data` (annotated); payloads can be large, so leave them.
        return super().get_queryset(request, exclude_parameters).defer("data")


def with_data_columns(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        plugin_id=Coalesce(KT("data__boefje__id"), KT("data__normalizer__id"), KT("data__report_recipe_id")),
        input_ooi=Coalesce(KT("data__input_ooi"), KT("data__raw_data__boefje_meta__input_ooi")),
    )


def task_search_q(term: str) -> Q:
    """What the task search matches: only exact values that an index finds, never a substring.

    `icontains` over the hash and four JSON paths read the whole table (1.3 s at 1.1M tasks, seconds at 11M,
    docs/benchmarks/scale.md). Here: the hash or the readable identity whose digest it is, an organisation code,
    the task id or its first characters (a range of the primary key), the whole OOI a boefje ran on or a
    normalizer's raw data came from (indexes task_input_ooi and task_normalizer_input_ooi), and a plugin id when
    the catalogue knows one by that name (a plugin's tasks are many, so the newest page is found quickly).
    """
    found = Q(hash=term) | Q(hash=digest(term)) | Q(organisation=term) | Q(data__input_ooi=term)
    found |= Q(type=TaskType.NORMALIZER, data__raw_data__boefje_meta__input_ooi=term)
    try:
        found |= Q(pk=uuid.UUID(term))
    except ValueError:
        prefix = id_prefix_q(term)
        if prefix is not None:
            found |= prefix
    if Plugin.objects.filter(pk=term).exists():
        found |= Q(data__boefje__id=term) | Q(data__normalizer__id=term)
    return found


@admin.register(Task)
class TaskAdmin(TaskActions, OrganisationScopedAdmin[Task], RefuseNulQueryMixin[Task], admin.ModelAdmin):
    form = TaskPriorityForm
    list_display = (
        # What fits 1280 px beside the filters; the scheduler follows from the plugin, and the rest of the
        # task is on its page.
        "short_id",
        "status",
        "priority",
        "organisation",
        "plugin",
        "ooi",
        "created",
    )
    list_display_links = ("short_id",)
    list_editable = ("priority",)
    list_filter = ("scheduler", "status", OrganisationFilter, "type")
    # The search itself is get_search_results (exact matches on indexed values); this only shows the box.
    search_fields = ("=hash",)
    search_help_text = _(
        "Task id or its first characters, organisation code, hash (or its readable identity), the whole OOI "
        "(e.g. Hostname|internet|example.com) or a plugin id."
    )
    # A filtered list does not also count the whole table for its "N total", and no list counts more rows than
    # the count bound (admin/paging.py).
    show_full_result_count = False
    paginator = EstimatingPaginator
    list_per_page = 100
    actions = ("move_to_front", "requeue", "cancel", "retry")
    inlines = (TaskEventInline,)
    readonly_fields = SCHEDULER_OWNED
    fieldsets = (
        (None, {"fields": ("id", "scheduler", "schedule_link", "organisation", "type", "status", "priority")}),
        (_("Data"), {"fields": ("hash", "data_pretty")}),
        (_("Lease"), {"fields": ("attempts", "dispatched_at", "lease_owner", "lease_expires_at")}),
        (_("Times"), {"fields": ("created_at", "modified_at")}),
    )

    class Media:
        css = ADMIN_CSS

    # -- permissions: the custom Task permissions, as the API checks them ------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Work enters through task_push (API, Rocky, events); a retry is an action here.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        # History is evidence; cancel stops a task, housekeeping removes old ones.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        # The priority is the only editable field, so changing a task means re-prioritising it;
        # a task that left the queue has nothing to change, and its page is view-only.
        if obj is not None and obj.status not in REPRIORITISABLE:
            return False
        return self.has_reprioritise_permission(request) and self.may_change_object(request, obj)

    def has_reprioritise_permission(self, request: HttpRequest) -> bool:
        return user_has(request, "reprioritise_task")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return user_has(request, "cancel_task")

    def has_push_permission(self, request: HttpRequest) -> bool:
        return user_has(request, "push_task")

    # -- list ---------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_data_columns(super().get_queryset(request))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return TaskChangeList

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        if not self.has_reprioritise_permission(request):
            # Readers get a plain list: no inputs, and a posted edit is not processed at all.
            changelist.list_editable = ()
        return changelist

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return super().get_changelist_form(request, form=TaskPriorityForm, **kwargs)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(task_search_q(term)), False

    @admin.display(description=_("task"), ordering="id")
    def short_id(self, task: Task) -> SafeString:
        return format_html('<span title="{}">{}</span>', task.pk, str(task.pk)[:8])

    @admin.display(description=_("plugin"))
    def plugin(self, task: Task) -> str:
        return getattr(task, "plugin_id", None) or "–"

    @admin.display(description=_("OOI"))
    def ooi(self, task: Task) -> SafeString | str:
        return short_text(getattr(task, "input_ooi", None), length=OOI_SHOWN)

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, task: Task) -> str:
        return exact_time(task.created_at)

    # -- history: the task's own events, not Django's log of admin edits ----------------------

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        task = self.get_object(request, unquote(object_id))
        if task is None:
            # ModelAdmin's own pages answer a missing object so; the helper is private, so django-stubs omits it.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_view_or_change_permission(request, task):
            raise PermissionDenied
        events = Paginator(task.events.order_by("-at", "-id"), HISTORY_PAGE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of task %(id)s") % {"id": task.pk},
            "subtitle": None,
            "object": task,
            "opts": self.opts,
            "events": [(exact_time(event.at), event) for event in events],
            "page": events,
            "media": self.media,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/rocky_scheduler/task/object_history.html", context)

    # -- change form --------------------------------------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Task | None = None) -> tuple[str, ...]:
        if obj is not None and obj.status not in REPRIORITISABLE:
            return (*SCHEDULER_OWNED, "priority")
        return SCHEDULER_OWNED

    @admin.display(description=_("data"))
    def data_pretty(self, task: Task) -> SafeString:
        return pretty_json(task.data)

    @admin.display(description=_("schedule"))
    def schedule_link(self, task: Task) -> SafeString | str:
        if task.schedule_id is None:
            return "–"
        url = reverse(f"{self.admin_site.name}:rocky_scheduler_schedule_change", args=[task.schedule_id])
        return format_html('<a href="{}">{}</a>', url, task.schedule_id)

    def save_model(self, request: HttpRequest, obj: Task, form: forms.ModelForm, change: bool) -> None:
        # Never obj.save(): the service writes the history row and tells the heap cache.
        if "priority" not in form.changed_data:
            return
        if not self.may_change_object(request, obj):
            # A list edit posted for a row of an organisation the user may only see.
            reason = MAY_NOT_CHANGE_ORGANISATION.format(organisation=obj.organisation)
            self.message_user(request, _("Task {id}: {reason}").format(id=obj.pk, reason=reason), messages.ERROR)
            return
        try:
            task_set_priority(task_id=obj.pk, priority=form.cleaned_data["priority"], actor=actor_of(request))
        except SchedulerError as error:
            # The task left the queue between validation and save.
            self.message_user(request, _("Task {id}: {reason}").format(id=obj.pk, reason=error.message), messages.ERROR)
