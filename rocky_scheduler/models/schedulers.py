from django.db import models
from django.utils import timezone


class TaskType(models.TextChoices):
    BOEFJE = "boefje", "Boefje"
    NORMALIZER = "normalizer", "Normalizer"
    REPORT = "report", "Report"


# OpenKAT's scheduler reports the item type by its class name.
ITEM_TYPE_NAMES = {
    TaskType.BOEFJE: "BoefjeTask",
    TaskType.NORMALIZER: "NormalizerTask",
    TaskType.REPORT: "ReportTask",
}


class Scheduler(models.Model):
    """One priority queue with its settings (`boefje`, `normalizer`, `report`)."""

    id = models.CharField(primary_key=True, max_length=64)
    type = models.CharField(max_length=16, choices=TaskType.choices)
    maxsize = models.PositiveIntegerField(default=0, help_text="Most queued tasks; 0 is unbounded.")
    ranker = models.CharField(max_length=255, default="rocky_scheduler.rankers.fifo.FifoRanker")
    allow_replace = models.BooleanField(default=False, help_text="A duplicate push replaces the queued task's data.")
    allow_updates = models.BooleanField(default=False, help_text="A duplicate push updates data and priority.")
    allow_priority_updates = models.BooleanField(default=False, help_text="A duplicate push updates the priority.")
    deduplicate = models.BooleanField(
        default=False,
        help_text=(
            "A boefje push also queues the same work for every other organisation that holds the input object with "
            "the boefje enabled; the tasks share a deduplication key and are popped together."
        ),
    )
    paused = models.BooleanField(default=False, help_text="Paused: pushes are accepted, pops return nothing.")
    dispatch_timeout_seconds = models.PositiveIntegerField(
        default=300, help_text="A dispatched task with no status change within this goes back to the queue."
    )
    run_timeout_seconds = models.PositiveIntegerField(
        default=3600, help_text="A running task with no heartbeat within this fails (or is requeued)."
    )
    requeue_on_run_timeout = models.BooleanField(default=False)
    max_attempts = models.PositiveIntegerField(default=3, help_text="Expired leases after which a task fails.")
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(type__in=TaskType.values), name="scheduler_type_valid"),
            models.CheckConstraint(condition=models.Q(max_attempts__gte=1), name="scheduler_max_attempts_positive"),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def item_type(self) -> str:
        return ITEM_TYPE_NAMES[TaskType(self.type)]
