"""A schedule's change form (its cron checked as the API checks it) and its history on its page."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.admin.common import HistoryInline, exact_time
from rocky_scheduler.errors import SchedulerError
from rocky_scheduler.models import Schedule, ScheduleEvent
from rocky_scheduler.services.schedules import check_cron


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ("enabled", "schedule", "deadline_at")

    def clean_schedule(self) -> str | None:
        try:
            return check_cron(self.cleaned_data.get("schedule"))
        except SchedulerError as error:
            raise ValidationError(error.message) from None


class ScheduleEventInline(HistoryInline):
    model = ScheduleEvent
    fields = ("at_exact", "kind", "deadline_change", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = _("history (latest first)")

    @admin.display(description=_("at"))
    def at_exact(self, event: ScheduleEvent) -> str:
        return exact_time(event.at)

    @admin.display(description=_("deadline"))
    def deadline_change(self, event: ScheduleEvent) -> str:
        if event.kind != ScheduleEvent.Kind.DEADLINE:
            return ""
        return f"{exact_time(event.deadline_from)} → {exact_time(event.deadline_to)}"
