"""Maintained task counts (issue 16 point 2): PostgreSQL triggers add deltas, a fold sums them.

The statement-level triggers of migration 0018 append one row per (key, statement) to TaskCountDelta, so
concurrent pushes and pops never wait on one counter row; `services.task_counts.fold` moves the deltas into
TaskCount every minute. A count is TaskCount plus the deltas not folded yet (rocky_scheduler.count_reads).
SQLite has neither table filled: it counts the task table directly. docs/architecture.md, "Maintained counts".
"""

import datetime

from django.db import models

# The bucket of a count that has none (`state`): a fixed value, not NULL, so the unique key applies to it.
NO_BUCKET = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class TaskCountKind(models.TextChoices):
    # Tasks in a status now, per scheduler and organisation.
    STATE = "state"
    # Tasks by the hour they last changed (modified_at) and their status; the last 26 hours only.
    HOUR = "hour"
    # Pushes per minute: task history `created` events; the last 26 hours only.
    CREATED = "created"
    # Pops per minute: task history moves to `dispatched`; the last 26 hours only.
    DISPATCHED = "dispatched"


class TaskCountKey(models.Model):
    kind = models.CharField(max_length=16, choices=TaskCountKind.choices)
    # Plain columns, no foreign keys: a trigger writes them for every statement, and no check is worth that.
    scheduler_id = models.CharField(max_length=64)
    organisation = models.CharField(max_length=255)
    # The task status (`state`, `hour`); empty for the per-minute kinds.
    status = models.CharField(max_length=16, blank=True, default="")
    bucket = models.DateTimeField(default=NO_BUCKET)

    class Meta:
        abstract = True


class TaskCount(TaskCountKey):
    count = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scheduler_id", "organisation", "status", "bucket"], name="taskcount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scheduler_id}/{self.organisation} {self.status} {self.bucket}: {self.count}"


class TaskCountDelta(TaskCountKey):
    """Append-only: no unique key, so writers only ever insert."""

    delta = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.kind} {self.scheduler_id}/{self.organisation} {self.status} {self.bucket}: {self.delta:+d}"
