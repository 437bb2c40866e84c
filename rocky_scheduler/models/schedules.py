import uuid

from django.db import models
from django.utils import timezone


class Schedule(models.Model):
    """Recurring work: a hash that is queued again when its deadline passes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scheduler = models.ForeignKey("rocky_scheduler.Scheduler", on_delete=models.PROTECT, related_name="schedules")
    organisation = models.CharField(max_length=255)
    hash = models.CharField(max_length=64, unique=True)
    data = models.JSONField(default=dict)
    enabled = models.BooleanField(default=True)
    schedule = models.CharField(max_length=255, null=True, blank=True, help_text="Cron expression (optional).")  # noqa: DJ001 - null in the API
    deadline_at = models.DateTimeField(null=True, blank=True)
    # The plugin's interval, copied from the catalogue when the schedule is written and refreshed when the plugin
    # changes, so finishing a task computes the next deadline from this row alone (in the finishing statement).
    # NULL: the plugin has none, or it was not known yet (schedules from before migration 0012 until their next
    # push or plugin sync): the grace period applies. A DurationField is PostgreSQL's `interval`, so the
    # statement adds it to a timestamp as it is; Django stores it as microseconds on SQLite.
    interval = models.DurationField(null=True, blank=True, editable=False)
    # Set when a boefje said its work on this object will never give results (mime type openkat/deschedule):
    # when, and the raw file (in Bytes) that holds its reason. Cleared when someone enables the schedule again.
    descheduled_at = models.DateTimeField(null=True, blank=True)
    descheduled_by_raw_file = models.CharField(
        max_length=255, blank=True, default="", help_text="Id of the raw file (in Bytes) that de-scheduled it."
    )
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["deadline_at"], condition=models.Q(enabled=True), name="schedule_due"),
            models.Index(fields=["scheduler", "organisation"], name="schedule_scheduler_org"),
        ]

    def __str__(self) -> str:
        return f"schedule {self.id} ({self.scheduler_id}, {self.organisation})"


class ScheduleEvent(models.Model):
    """Append-only history of a schedule: when it was queued, skipped, disabled, and why."""

    class Kind(models.TextChoices):
        QUEUED = "queued", "Task queued"
        SKIPPED = "skipped", "Skipped"
        DISABLED = "disabled", "Disabled"
        ENABLED = "enabled", "Enabled"
        DEADLINE = "deadline", "Next deadline set"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.CharField(max_length=255, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    # Kind DEADLINE: the deadline before and after the change (NULL: none, the schedule's task is active).
    deadline_from = models.DateTimeField(null=True, blank=True)
    deadline_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["schedule", "at"], name="scheduleevent_schedule_at"),
            # Retention deletes the oldest rows first, a bounded batch at a time (services/housekeeping.py).
            models.Index(fields=["at"], name="scheduleevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"
