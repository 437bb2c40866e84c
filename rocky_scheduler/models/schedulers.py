from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskType(models.TextChoices):
    BOEFJE = "boefje", _("Boefje")
    NORMALIZER = "normalizer", _("Normalizer")
    REPORT = "report", _("Report")


# OpenKAT's scheduler reports the item type by its class name.
ITEM_TYPE_NAMES = {
    TaskType.BOEFJE: "BoefjeTask",
    TaskType.NORMALIZER: "NormalizerTask",
    TaskType.REPORT: "ReportTask",
}


class Scheduler(models.Model):
    """One priority queue with its settings (`boefje`, `normalizer`, `report`)."""

    id = models.CharField(primary_key=True, max_length=64, verbose_name=_("ID"))
    type = models.CharField(max_length=16, choices=TaskType.choices, verbose_name=_("type"))
    maxsize = models.PositiveIntegerField(
        default=0, help_text=_("Most queued tasks; 0 is unbounded."), verbose_name=_("maxsize")
    )
    ranker = models.CharField(
        max_length=255, default="rocky_scheduler.rankers.fifo.FifoRanker", verbose_name=_("ranker")
    )
    allow_replace = models.BooleanField(
        default=False, help_text=_("A duplicate push replaces the queued task's data."), verbose_name=_("allow replace")
    )
    allow_updates = models.BooleanField(
        default=False, help_text=_("A duplicate push updates data and priority."), verbose_name=_("allow updates")
    )
    allow_priority_updates = models.BooleanField(
        default=False, help_text=_("A duplicate push updates the priority."), verbose_name=_("allow priority updates")
    )
    deduplicate = models.BooleanField(
        default=False,
        help_text=_(
            "A boefje push also queues the same work for every other organisation that holds the input object with "
            "the boefje enabled; the tasks share a deduplication key and are popped together."
        ),
        verbose_name=_("deduplicate"),
    )
    paused = models.BooleanField(
        default=False, help_text=_("Paused: pushes are accepted, pops return nothing."), verbose_name=_("paused")
    )
    dispatch_timeout_seconds = models.PositiveIntegerField(
        default=300,
        help_text=_("A dispatched task with no status change within this goes back to the queue."),
        verbose_name=_("dispatch timeout seconds"),
    )
    run_timeout_seconds = models.PositiveIntegerField(
        default=3600,
        help_text=_("A running task with no heartbeat within this fails (or is requeued)."),
        verbose_name=_("run timeout seconds"),
    )
    requeue_on_run_timeout = models.BooleanField(default=False, verbose_name=_("requeue on run timeout"))
    max_attempts = models.PositiveIntegerField(
        default=3, help_text=_("Expired leases after which a task fails."), verbose_name=_("max attempts")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("scheduler")
        verbose_name_plural = _("schedulers")
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
