"""Schedules in the admin: switch them on and off, change their cron or deadline, run them now.

The change form and the history inline are in `schedule_forms`."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import actor_of
from rocky_scheduler.admin.common import (
    ADMIN_CSS,
    RefuseNulQueryMixin,
    confirm_first,
    exact_time,
    id_prefix_q,
    pretty_json,
    run_each,
    short_text,
    user_has,
)
from rocky_scheduler.admin.filters import OrganisationFilter
from rocky_scheduler.admin.paging import EstimatingPaginator
from rocky_scheduler.admin.schedule_forms import ScheduleEventInline, ScheduleForm
from rocky_scheduler.admin.scoping import OrganisationScopedAdmin
from rocky_scheduler.errors import SchedulerError
from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Schedule, ScheduleEvent
from rocky_scheduler.services.schedule_admin import schedule_run_now, schedule_set_enabled
from rocky_scheduler.services.schedules import schedule_delete, schedule_update

ENABLE_REASON = "enabled in the admin"
# Characters of the OOI the list shows (all of it in the tooltip and on the schedule's page).
OOI_SHOWN = 30
DISABLE_REASON = "disabled in the admin"


@admin.register(Schedule)
class ScheduleAdmin(OrganisationScopedAdmin[Schedule], RefuseNulQueryMixin[Schedule], admin.ModelAdmin):
    form = ScheduleForm
    # What fits 1280 px beside the filters: why a schedule is off is told under its "enabled" mark; the
    # scheduler (it follows from the plugin) and the times are on its page.
    list_display = (
        "short_id",
        "organisation",
        "plugin",
        "ooi",
        "enabled_why",
        "schedule",
        "deadline",
        "tasks_link",
    )
    list_display_links = ("short_id",)
    list_filter = ("scheduler", "enabled", ("descheduled_at", admin.EmptyFieldListFilter), OrganisationFilter)
    search_fields = ("hash", "data__input_ooi", "data__boefje__id", "data__report_recipe_id")
    search_help_text = _(
        "Schedule id or its first characters, organisation code, hash (or its readable identity), OOI or plugin id."
    )
    show_full_result_count = False
    paginator = EstimatingPaginator
    list_per_page = 100
    actions = ("enable", "disable", "run_now")
    inlines = (ScheduleEventInline,)

    class Media:
        css = ADMIN_CSS

    readonly_fields = (
        "id",
        "scheduler",
        "organisation",
        "hash",
        "data_pretty",
        "created_at",
        "modified_at",
        "descheduled_at",
        "descheduled_by_raw_file",
        "disabled_because",
        "interval",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "scheduler",
                    "organisation",
                    "enabled",
                    "schedule",
                    "deadline_at",
                    # The plugin's, copied from the catalogue: the next deadline after a run (empty: grace period).
                    "interval",
                    "tasks_link",
                )
            },
        ),
        (
            "Why it is disabled",
            {
                "fields": ("disabled_because", "descheduled_at", "descheduled_by_raw_file"),
                "description": "A boefje that says an object will never give results de-schedules it; the raw "
                "file (in Bytes) holds its reason. Enabling the schedule clears this.",
            },
        ),
        (_("Data"), {"fields": ("hash", "data_pretty")}),
        (_("Times"), {"fields": ("created_at", "modified_at")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A boefje task's first push creates its schedule; report schedules come through the API.
        return False

    def has_push_permission(self, request: HttpRequest) -> bool:
        return user_has(request, "push_task")

    def get_readonly_fields(self, request: HttpRequest, obj: Schedule | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "tasks_link")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                plugin_id=Coalesce(KT("data__boefje__id"), KT("data__report_recipe_id")),
                input_ooi=KT("data__input_ooi"),
                # The history's latest "disabled" reason, in the list's one query rather than one per row.
                last_disabled_reason=Subquery(
                    ScheduleEvent.objects.filter(schedule=OuterRef("pk"), kind=ScheduleEvent.Kind.DISABLED)
                    .order_by("-at", "-id")
                    .values("reason")[:1]
                ),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # Indexed columns only: the hash, an organisation code, the short id the list shows (a key range).
            indexed = Q(hash=digest(term)) | Q(organisation=term)
            prefix = id_prefix_q(term)
            if prefix is not None:
                indexed |= prefix
            results = results | queryset.filter(indexed)
        return results, may_have_duplicates

    @admin.display(description=_("schedule"), ordering="id")
    def short_id(self, schedule: Schedule) -> SafeString:
        return format_html('<span title="{}">{}</span>', schedule.pk, str(schedule.pk)[:8])

    @admin.display(description=_("plugin"))
    def plugin(self, schedule: Schedule) -> str:
        return getattr(schedule, "plugin_id", None) or "–"

    @admin.display(description=_("OOI"))
    def ooi(self, schedule: Schedule) -> SafeString | str:
        return short_text(getattr(schedule, "input_ooi", None), length=OOI_SHOWN)

    @admin.display(description=_("enabled"), ordering="enabled")
    def enabled_why(self, schedule: Schedule) -> SafeString | str:
        mark = display_for_value(schedule.enabled, "", boolean=True)
        if schedule.enabled:
            return mark
        if schedule.descheduled_at is not None:
            return format_html("{}<br>{}<br>{}", mark, self.descheduled(schedule), self.disabled_because(schedule))
        return format_html("{}<br>{}", mark, self.disabled_because(schedule))

    @admin.display(description=_("deadline"), ordering="deadline_at")
    def deadline(self, schedule: Schedule) -> str:
        return exact_time(schedule.deadline_at)

    @admin.display(description=_("de-scheduled"), ordering="descheduled_at")
    def descheduled(self, schedule: Schedule) -> SafeString | str:
        if schedule.descheduled_at is None:
            return "–"
        return format_html(
            '{}<br><span title="raw file {}">raw file {}</span>',
            date_format(localtime(schedule.descheduled_at), "SHORT_DATETIME_FORMAT"),
            schedule.descheduled_by_raw_file,
            schedule.descheduled_by_raw_file[:8],
        )

    @admin.display(description=_("disabled because"))
    def disabled_because(self, schedule: Schedule) -> SafeString | str:
        if schedule.enabled:
            return "–"
        # The start of the reason in the list; the whole text is in the tooltip and on the schedule's page.
        return short_text(getattr(schedule, "last_disabled_reason", None), length=60)

    @admin.display(description=_("tasks"))
    def tasks_link(self, schedule: Schedule) -> SafeString:
        url = reverse(f"{self.admin_site.name}:rocky_scheduler_task_changelist")
        return format_html('<a href="{}?{}">tasks</a>', url, urlencode({"schedule": schedule.pk}))

    @admin.display(description=_("data"))
    def data_pretty(self, schedule: Schedule) -> SafeString:
        return pretty_json(schedule.data)

    def save_model(self, request: HttpRequest, obj: Schedule, form: forms.ModelForm, change: bool) -> None:
        changed = set(form.changed_data)
        try:
            if "enabled" in changed:
                schedule_set_enabled(
                    schedule_id=obj.pk,
                    enabled=form.cleaned_data["enabled"],
                    actor=actor_of(request),
                    reason=ENABLE_REASON if form.cleaned_data["enabled"] else DISABLE_REASON,
                )
            timing = {name: form.cleaned_data[name] for name in ("schedule", "deadline_at") if name in changed}
            if timing:
                schedule_update(schedule_id=obj.pk, actor=actor_of(request), **timing)
        except SchedulerError as error:
            self.message_user(
                request, _("Schedule {id}: {reason}").format(id=obj.pk, reason=error.message), messages.ERROR
            )

    def delete_model(self, request: HttpRequest, obj: Schedule) -> None:
        schedule_delete(schedule_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for pk in queryset.values_list("pk", flat=True):
            schedule_delete(schedule_id=pk)

    @admin.action(description=_("Enable"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_enabled(request, queryset, enabled=True)

    @admin.action(description=_("Disable"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        # A disabled schedule stops scanning its object without anyone noticing: asked first.
        confirmation = confirm_first(
            self,
            request,
            queryset,
            question=_("Disable these schedules? Their objects are not scanned again until someone enables them."),
            button=_("Yes, disable"),
        )
        if confirmation is not None:
            return confirmation
        self._set_enabled(request, queryset, enabled=False)
        return None

    def _set_enabled(self, request: HttpRequest, queryset: QuerySet, *, enabled: bool) -> None:
        actor, reason = actor_of(request), ENABLE_REASON if enabled else DISABLE_REASON
        report = run_each(
            self,
            request,
            queryset,
            lambda pk: schedule_set_enabled(schedule_id=pk, enabled=enabled, actor=actor, reason=reason),
        )
        if report:
            report.send(
                self,
                request,
                done=_("Enabled {count} {name}.") if enabled else _("Disabled {count} {name}."),
                unchanged=_("{count} {name} already enabled.") if enabled else _("{count} {name} already disabled."),
            )

    @admin.action(description=_("Run now (queue its task at priority 1)"), permissions=["push"])
    def run_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = actor_of(request)
        report = run_each(self, request, queryset, lambda pk: schedule_run_now(schedule_id=pk, actor=actor))
        if report:
            report.send(self, request, done=_("Queued a task for {count} {name}."))
