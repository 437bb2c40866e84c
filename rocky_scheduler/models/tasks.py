import uuid

from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.models.schedulers import TaskType


class TaskStatus(models.TextChoices):
    # Created but not yet offered to workers (kept for OpenKAT compatibility).
    PENDING = "pending", _("Pending")
    # In the queue, waiting for a pop.
    QUEUED = "queued", _("Queued")
    # Handed to a worker by a pop; its lease runs until the worker reports.
    DISPATCHED = "dispatched", _("Dispatched")
    # The worker said it started; heartbeats (running -> running) renew the lease.
    RUNNING = "running", _("Running")
    # Final: the work is done.
    COMPLETED = "completed", _("Completed")
    # Final: the work failed, or its lease expired too often.
    FAILED = "failed", _("Failed")
    # Final: withdrawn before it finished.
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (TaskStatus.QUEUED, TaskStatus.DISPATCHED, TaskStatus.RUNNING)
LEASED_STATUSES = (TaskStatus.DISPATCHED, TaskStatus.RUNNING)
FINAL_STATUSES = (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


class Task(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    scheduler = models.ForeignKey(
        "rocky_scheduler.Scheduler", on_delete=models.PROTECT, related_name="tasks", verbose_name=_("scheduler")
    )
    schedule = models.ForeignKey(
        "rocky_scheduler.Schedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("schedule"),
    )
    organisation = models.CharField(max_length=255, verbose_name=_("organisation"))
    priority = models.IntegerField(
        help_text=_("Lower runs sooner; 1 is reserved for user-initiated work."), verbose_name=_("priority")
    )
    status = models.CharField(
        max_length=16, choices=TaskStatus.choices, default=TaskStatus.QUEUED, verbose_name=_("status")
    )
    type = models.CharField(max_length=16, choices=TaskType.choices, verbose_name=_("type"))
    # A digest of the dedup identity (see rocky_scheduler.hashing).
    hash = models.CharField(max_length=64, verbose_name=_("hash"))
    data = models.JSONField(default=dict, verbose_name=_("data"))
    # `data.deduplication_key` as a column: tasks that share it (one boefje run for an object several
    # organisations hold) are popped together, which needs an index, not a JSON path.
    deduplication_key = models.UUIDField(null=True, blank=True, verbose_name=_("deduplication key"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    modified_at = models.DateTimeField(default=timezone.now, verbose_name=_("modified at"))
    # Lease bookkeeping: how often a lease expired, and who holds the current one until when.
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dispatched at"))
    lease_owner = models.CharField(max_length=255, blank=True, default="", verbose_name=_("lease owner"))
    lease_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("lease expires at"))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at"]
        permissions = [
            ("push_task", "Can push tasks onto a queue"),
            ("pop_task", "Can pop tasks and report their status"),
            ("reprioritise_task", "Can change the priority of queued tasks"),
            ("cancel_task", "Can cancel tasks"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(priority__gte=1), name="task_priority_at_least_1"),
            models.CheckConstraint(condition=models.Q(status__in=TaskStatus.values), name="task_status_valid"),
            models.CheckConstraint(condition=models.Q(type__in=TaskType.values), name="task_type_valid"),
            # Dedup: one queued task per (scheduler, hash); a push is an INSERT that this index refuses.
            models.UniqueConstraint(
                fields=["scheduler", "hash"],
                condition=models.Q(status=TaskStatus.QUEUED),
                name="task_one_queued_per_hash",
            ),
            models.UniqueConstraint(
                fields=["schedule"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="task_one_active_per_schedule",
            ),
        ]
        indexes = [
            # The queue itself: best first, only queued rows, so it stays small however much history there is.
            models.Index(
                fields=["scheduler", "priority", "created_at"],
                condition=models.Q(status=TaskStatus.QUEUED),
                name="task_queue_order",
            ),
            # Fair share counts an organisation's queued tasks on every ranked push.
            models.Index(
                fields=["scheduler", "organisation"],
                condition=models.Q(status=TaskStatus.QUEUED),
                name="task_queued_per_organisation",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status__in=LEASED_STATUSES),
                name="task_lease_expiry",
            ),
            models.Index(fields=["created_at"], name="task_created_at"),
            models.Index(fields=["scheduler", "status"], name="task_scheduler_status"),
            # Last activity per scheduler is a backward scan of this index.
            models.Index(fields=["scheduler", "modified_at"], name="task_scheduler_activity"),
            models.Index(fields=["organisation", "created_at"], name="task_organisation"),
            models.Index(fields=["hash"], name="task_hash"),
            # Reads at scale (migration 0016, docs/benchmarks/scale.md). The API's `input_ooi` filter and the
            # admin search compare `data -> 'input_ooi'` (Django's JSON exact lookup): the same expression here.
            models.Index(KeyTransform("input_ooi", "data"), name="task_input_ooi"),
            # A normalizer task names its object under raw_data.boefje_meta; only those rows are indexed.
            models.Index(
                KeyTransform("input_ooi", KeyTransform("boefje_meta", KeyTransform("raw_data", "data"))),
                condition=models.Q(type=TaskType.NORMALIZER),
                name="task_normalizer_input_ooi",
            ),
            # /tasks?status=..., newest first: the newest tasks are mostly queued ones, so walking `task_created_at`
            # back to the first failed one read every queued task (a million at scale) before it. The id makes
            # the index's order the list's exact order (-created_at, -id): an index-only backward scan (0017).
            models.Index(fields=["status", "created_at", "id"], name="task_status_newest"),
            # /tasks/stats: the last 24 hours of changes, read from the index alone (status included).
            models.Index(fields=["modified_at", "status"], name="task_modified_at"),
            # The oldest queued task per scheduler (dashboard, metrics) without walking the whole queue.
            models.Index(
                fields=["scheduler", "created_at"],
                condition=models.Q(status=TaskStatus.QUEUED),
                name="task_queued_oldest",
            ),
            models.Index(
                fields=["scheduler", "deduplication_key"],
                condition=models.Q(status=TaskStatus.QUEUED, deduplication_key__isnull=False),
                name="task_queued_dedup_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} task {self.id} ({self.status})"


class TaskEvent(models.Model):
    """Append-only history: every status or priority change of a task, by whom and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority changed")
        DATA = "data", _("Data updated")
        LEASE_EXPIRED = "lease_expired", _("Lease expired")

    # No index of its own: "taskevent_task_at" (task, at) serves every look-up by task, and one index fewer
    # to write matters here, two history rows being written per popped and completed task.
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="events", db_index=False, verbose_name=_("task")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    from_status = models.CharField(max_length=16, blank=True, default="", verbose_name=_("from status"))
    to_status = models.CharField(max_length=16, blank=True, default="", verbose_name=_("to status"))
    from_priority = models.IntegerField(null=True, blank=True, verbose_name=_("from priority"))
    to_priority = models.IntegerField(null=True, blank=True, verbose_name=_("to priority"))
    actor = models.CharField(max_length=255, blank=True, default="", verbose_name=_("actor"))
    reason = models.TextField(blank=True, default="", verbose_name=_("reason"))

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["task", "at"], name="taskevent_task_at"),
            models.Index(fields=["at"], name="taskevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status} by {self.actor or 'system'}"
