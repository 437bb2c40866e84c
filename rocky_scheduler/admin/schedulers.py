"""Scheduler settings in the admin: queue bound, pause, ranker, dedup flags, lease timeouts.

Only staff with change_scheduler may change them (the admin itself admits staff only)."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.renderers import BaseRenderer
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope, actor_of, request_scope
from rocky_scheduler.admin.common import RefuseNulQueryMixin, run_each
from rocky_scheduler.errors import SchedulerError
from rocky_scheduler.models import Scheduler, Task, TaskStatus
from rocky_scheduler.rankers import SHIPPED_RANKERS
from rocky_scheduler.services.scheduler_settings import CONFIGURABLE, check_ranker, scheduler_configure

RANKER_LIST_ID = "rocky-scheduler-rankers"


class RankerInput(forms.TextInput):
    """A free-text dotted path with the shipped rankers offered as suggestions."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"list": RANKER_LIST_ID, "class": "vLargeTextField", **(attrs or {})})

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        options = format_html_join("", '<option value="{}"></option>', ((path,) for path in SHIPPED_RANKERS))
        return format_html(
            '{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer), RANKER_LIST_ID, options
        )


class SchedulerForm(forms.ModelForm):
    class Meta:
        model = Scheduler
        fields = CONFIGURABLE
        widgets = {"ranker": RankerInput()}
        help_texts = {"ranker": _("Dotted path of a Ranker class; the shipped ones are suggested.")}

    def clean_ranker(self) -> str:
        try:
            return check_ranker(self.cleaned_data.get("ranker"))
        except SchedulerError as error:
            raise ValidationError(error.message) from None


def queued_count(scope: OrganisationScope = EVERY_ORGANISATION) -> Coalesce:
    # A correlated count per scheduler reads the queue's partial index, not the task history; of the
    # organisations the user may see, so the count tells of no other's tasks.
    counts = (
        scope.filter(Task.objects.filter(scheduler=OuterRef("pk"), status=TaskStatus.QUEUED))
        .order_by()
        .values("scheduler")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


@admin.register(Scheduler)
class SchedulerAdmin(RefuseNulQueryMixin[Scheduler], admin.ModelAdmin):
    form = SchedulerForm
    list_display = (
        "id",
        "type",
        "queued",
        "paused",
        "maxsize",
        "ranker_name",
        "allow_replace",
        "allow_updates",
        "max_attempts",
    )
    # Priority updates and the lease timeouts are on the detail page: with them the list is wider than 1280 px.
    list_filter = ("paused", "type")
    actions = ("pause", "resume")
    readonly_fields = ("id", "type", "queued", "created_at", "modified_at")
    fieldsets = (
        (None, {"fields": ("id", "type", "queued", "paused", "maxsize", "ranker")}),
        (_("Duplicates"), {"fields": ("allow_replace", "allow_updates", "allow_priority_updates", "deduplicate")}),
        (_("Leases"), {"fields": ("dispatch_timeout_seconds", "run_timeout_seconds", "requeue_on_run_timeout")}),
        (_("Attempts"), {"fields": ("max_attempts",)}),
        (_("Times"), {"fields": ("created_at", "modified_at")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The schedulers are OpenKAT's three (a data migration creates them).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Scheduler | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Scheduler | None = None) -> bool:
        # Spelled out, as the API's StaffOnly: settings are for staff with change_scheduler.
        return bool(request.user.is_staff and request.user.has_perm("rocky_scheduler.change_scheduler"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(queued_tasks=queued_count(request_scope(request)))

    @admin.display(description=_("queued"), ordering="queued_tasks")
    def queued(self, scheduler: Scheduler) -> SafeString:
        url = reverse(f"{self.admin_site.name}:rocky_scheduler_task_changelist")
        query = urlencode({"scheduler__id__exact": scheduler.pk, "status__exact": TaskStatus.QUEUED})
        return format_html('<a href="{}?{}">{}</a>', url, query, getattr(scheduler, "queued_tasks", "–"))

    @admin.display(description=_("ranker"), ordering="ranker")
    def ranker_name(self, scheduler: Scheduler) -> SafeString:
        return format_html('<span title="{}">{}</span>', scheduler.ranker, scheduler.ranker.rsplit(".", 1)[-1])

    def save_model(self, request: HttpRequest, obj: Scheduler, form: forms.ModelForm, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in CONFIGURABLE}
        if not changes:
            return
        try:
            scheduler_configure(scheduler_id=obj.pk, actor=actor_of(request), **changes)
        except SchedulerError as error:
            self.message_user(
                request, _("Scheduler {id}: {reason}").format(id=obj.pk, reason=error.message), messages.ERROR
            )

    @admin.action(description=_("Pause (pops return nothing; pushes still queue)"), permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_paused(request, queryset, paused=True)

    @admin.action(description=_("Resume"), permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_paused(request, queryset, paused=False)

    def _set_paused(self, request: HttpRequest, queryset: QuerySet, *, paused: bool) -> None:
        actor = actor_of(request)
        already = set(queryset.filter(paused=paused).values_list("pk", flat=True))

        def operation(pk: str) -> bool:
            if pk in already:
                return False
            scheduler = scheduler_configure(scheduler_id=pk, actor=actor, paused=paused)
            # Schedulers have no history table; the admin's own log records who paused what.
            self.log_change(request, scheduler, "Paused" if paused else "Resumed")
            return True

        report = run_each(self, request, queryset, operation)
        if report:
            report.send(
                self,
                request,
                done=_("Paused {count} {name}.") if paused else _("Resumed {count} {name}."),
                unchanged=_("{count} {name} already paused.") if paused else _("{count} {name} already running."),
            )
