import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Schedule(models.Model):
    """Recurring work: a hash that is queued again when its deadline passes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    scheduler = models.ForeignKey(
        "rocky_scheduler.Scheduler", on_delete=models.PROTECT, related_name="schedules", verbose_name=_("scheduler")
    )
    organisation = models.CharField(max_length=255, verbose_name=_("organisation"))
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("hash"))
    data = models.JSONField(default=dict, verbose_name=_("data"))
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    schedule = models.CharField(  # noqa: DJ001 - null in the API
        max_length=255, null=True, blank=True, help_text=_("Cron expression (optional)."), verbose_name=_("schedule")
    )
    deadline_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deadline at"))
    # The plugin's interval, copied from the catalogue when the schedule is written and refreshed when the plugin
    # changes, so finishing a task computes the next deadline from this row alone (in the finishing statement).
    # NULL: the plugin has none, or it was not known yet (schedules from before migration 0012 until their next
    # push or plugin sync): the grace period applies. A DurationField is PostgreSQL's `interval`, so the
    # statement adds it to a timestamp as it is; Django stores it as microseconds on SQLite.
    interval = models.DurationField(null=True, blank=True, editable=False, verbose_name=_("interval"))
    # Set when a boefje said its work on this object will never give results (mime type openkat/deschedule):
    # when, and the raw file (in Bytes) that holds its reason. Cleared when someone enables the schedule again.
    descheduled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("descheduled at"))
    descheduled_by_raw_file = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text=_("Id of the raw file (in Bytes) that de-scheduled it."),
        verbose_name=_("descheduled by raw file"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    modified_at = models.DateTimeField(default=timezone.now, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["deadline_at"], condition=models.Q(enabled=True), name="schedule_due"),
            models.Index(fields=["scheduler", "organisation"], name="schedule_scheduler_org"),
            # Lists newest first (/schedules, the admin), whole or by organisation or disabled (migration 0016).
            models.Index(fields=["created_at"], name="schedule_created_at"),
            models.Index(fields=["organisation", "created_at"], name="schedule_organisation"),
            models.Index(fields=["created_at"], condition=models.Q(enabled=False), name="schedule_disabled"),
        ]

    def __str__(self) -> str:
        return f"schedule {self.id} ({self.scheduler_id}, {self.organisation})"


class ScheduleEvent(models.Model):
    """Append-only history of a schedule: when it was queued, skipped, disabled, and why."""

    class Kind(models.TextChoices):
        QUEUED = "queued", _("Task queued")
        SKIPPED = "skipped", _("Skipped")
        DISABLED = "disabled", _("Disabled")
        ENABLED = "enabled", _("Enabled")
        DEADLINE = "deadline", _("Next deadline set")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="events", verbose_name=_("schedule"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    actor = models.CharField(max_length=255, blank=True, default="", verbose_name=_("actor"))
    reason = models.TextField(blank=True, default="", verbose_name=_("reason"))
    # Kind DEADLINE: the deadline before and after the change (NULL: none, the schedule's task is active).
    deadline_from = models.DateTimeField(null=True, blank=True, verbose_name=_("deadline before"))
    deadline_to = models.DateTimeField(null=True, blank=True, verbose_name=_("deadline after"))

    class Meta:
        verbose_name = _("schedule event")
        verbose_name_plural = _("schedule events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["schedule", "at"], name="scheduleevent_schedule_at"),
            # Retention deletes the oldest rows first, a bounded batch at a time (services/housekeeping.py).
            models.Index(fields=["at"], name="scheduleevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"
