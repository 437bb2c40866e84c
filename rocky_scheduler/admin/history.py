"""The history of all tasks in the admin: who moved what, when. Append-only, so read-only here."""

import uuid

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.admin.common import RefuseNulQueryMixin, exact_time, id_prefix_q
from rocky_scheduler.admin.filters import ToStatusFilter
from rocky_scheduler.admin.paging import EstimatingPaginator
from rocky_scheduler.admin.scoping import OrganisationScopedAdmin
from rocky_scheduler.models import TaskEvent


@admin.register(TaskEvent)
class TaskEventAdmin(OrganisationScopedAdmin[TaskEvent], RefuseNulQueryMixin[TaskEvent], admin.ModelAdmin):
    """The history of all tasks: who moved what, when. Append-only."""

    organisation_field = "task__organisation"

    # From and to in one column each, so that the actor fits 1280 px beside the filters.
    list_display = ("at_exact", "task_link", "kind", "status_change", "priority_change", "actor")
    list_filter = ("kind", ToStatusFilter)
    search_fields = ("actor", "reason")
    search_help_text = _("Task id or its first characters, organisation code, actor (user:name, system:...) or reason.")
    show_full_result_count = False
    paginator = EstimatingPaginator
    list_per_page = 100
    ordering = ("-at", "-id")
    readonly_fields = (
        "task_link",
        "at_exact",
        "kind",
        "from_status",
        "to_status",
        "from_priority",
        "to_priority",
        "actor",
    )
    fields = (*readonly_fields, "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TaskEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TaskEvent | None = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        try:
            # A task id is the common question ("what happened to this task?"): use its index alone.
            return queryset.filter(task_id=uuid.UUID(term)), False
        except ValueError:
            pass
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if term:
            # The short id the lists show (a range of the task index) or an organisation code.
            indexed = Q(task__organisation=term)
            prefix = id_prefix_q(term, "task_id")
            if prefix is not None:
                indexed |= prefix
            results = results | queryset.filter(indexed)
        return results, may_have_duplicates

    @admin.display(description=_("at"), ordering="at")
    def at_exact(self, event: TaskEvent) -> str:
        return exact_time(event.at)

    @admin.display(description=_("status"))
    def status_change(self, event: TaskEvent) -> str:
        return _change(event.from_status, event.to_status)

    @admin.display(description=_("priority"))
    def priority_change(self, event: TaskEvent) -> str:
        return _change(event.from_priority, event.to_priority)

    @admin.display(description=_("task"), ordering="task_id")
    def task_link(self, event: TaskEvent) -> SafeString:
        url = reverse(f"{self.admin_site.name}:rocky_scheduler_task_change", args=[event.task_id])
        return format_html('<a href="{}" title="{}">{}</a>', url, event.task_id, str(event.task_id)[:8])


def _change(before: object, after: object) -> str:
    """`queued → dispatched`, or the one value when it did not change."""
    if before in (None, "") and after in (None, ""):
        return "–"
    if before in (None, "") or before == after:
        return str(after)
    return f"{before} → {after}"
