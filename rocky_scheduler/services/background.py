"""The django-q2 schedules this app needs, declared idempotently (one row per name)."""

from dataclasses import dataclass

from django.db import transaction
from django_q.models import Schedule as QSchedule

from rocky_scheduler.conf import app_settings


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    # A number of minutes, or the name of the ROCKY_SCHEDULER setting that holds it.
    minutes: int | str

    def every(self) -> int:
        return int(getattr(app_settings, self.minutes)) if isinstance(self.minutes, str) else self.minutes


JOBS = (
    # Overlapping one-minute starts of a 90-second consumer: there is always one listening.
    Job("rocky_scheduler.ingest", "rocky_scheduler.ingest.consumer.ingest_run", 1),
    Job("rocky_scheduler.reschedule", "rocky_scheduler.jobs.reschedule_due", 1),
    Job("rocky_scheduler.lease_expiry", "rocky_scheduler.jobs.expire_leases", 1),
    # Folds the deltas the PostgreSQL triggers append into the task counts (services/task_counts.py).
    Job("rocky_scheduler.task_counts", "rocky_scheduler.jobs.task_counts_fold", 1),
    Job("rocky_scheduler.housekeeping", "rocky_scheduler.jobs.housekeeping", 60),
    Job("rocky_scheduler.plugin_reconcile", "rocky_scheduler.jobs.plugins_reconcile", "PLUGIN_RECONCILE_MINUTES"),
)


@transaction.atomic
def background_schedules_declare() -> list[tuple[str, bool]]:
    """Create or update each job's schedule; returns (name, created) pairs."""
    declared = []
    for job in JOBS:
        _, created = QSchedule.objects.update_or_create(
            name=job.name,
            defaults={
                "func": job.func,
                "schedule_type": QSchedule.MINUTES,
                "minutes": job.every(),
                "repeats": -1,
            },
        )
        declared.append((job.name, created))
    return declared
