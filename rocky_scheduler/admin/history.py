"""The history of all tasks in the admin: who moved what, when. Append-only, so read-only here."""

import uuid

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from rocky_scheduler.admin.common import RefuseNulQueryMixin
from rocky_scheduler.admin.filters import ToStatusFilter
from rocky_scheduler.admin.scoping import OrganisationScopedAdmin
from rocky_scheduler.models import TaskEvent


@admin.register(TaskEvent)
class TaskEventAdmin(OrganisationScopedAdmin, RefuseNulQueryMixin, admin.ModelAdmin):
    """The history of all tasks: who moved what, when. Append-only."""

    organisation_field = "task__organisation"

    list_display = ("at", "task_link", "kind", "from_status", "to_status", "from_priority", "to_priority", "actor")
    list_filter = ("kind", ToStatusFilter)
    search_fields = ("actor", "reason")
    search_help_text = "Task id, actor (user:name, system:...) or reason."
    show_full_result_count = False
    list_per_page = 100
    ordering = ("-at", "-id")
    readonly_fields = ("task_link", "at", "kind", "from_status", "to_status", "from_priority", "to_priority", "actor")
    fields = (*readonly_fields, "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TaskEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TaskEvent | None = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        try:
            # A task id is the common question ("what happened to this task?"): use its index alone.
            return queryset.filter(task_id=uuid.UUID(search_term.strip())), False
        except ValueError:
            return super().get_search_results(request, queryset, search_term)

    @admin.display(description="task", ordering="task_id")
    def task_link(self, event: TaskEvent) -> SafeString:
        url = reverse(f"{self.admin_site.name}:rocky_scheduler_task_change", args=[event.task_id])
        return format_html('<a href="{}" title="{}">{}</a>', url, event.task_id, str(event.task_id)[:8])
