"""Reads: queue overviews, task lists and statistics. Writes live in services/."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from rocky_scheduler import __version__
from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope
from rocky_scheduler.catalogue.health import catalogue_health
from rocky_scheduler.count_reads import counts_available, covers, summed_counts
from rocky_scheduler.counting import BoundedCount, Counted, counted_or_estimated, exact_count_bound, limited_rows
from rocky_scheduler.errors import TASK_NOT_FOUND, NotFound
from rocky_scheduler.filtersets import ScheduleFilter, TaskFilter, filtered, known_scheduler
from rocky_scheduler.models import Schedule, Scheduler, Task, TaskCountKind, TaskStatus
from rocky_scheduler.queue.store import get_store


def get_task(task_id: Any, *, scope: OrganisationScope = EVERY_ORGANISATION) -> Task:
    """The task; NotFound too when it belongs to an organisation outside `scope` (whether it exists is not told)."""
    try:
        return scope.filter(Task.objects.all()).get(pk=task_id)
    except (Task.DoesNotExist, ValidationError, ValueError):
        raise NotFound(TASK_NOT_FOUND.format(task_id=task_id), field="id") from None


def service_health() -> dict[str, Any]:
    """OpenKAT's ServiceHealth shape (mula's /health), with each external in `results` and `externals`.

    `healthy` is the database alone: with KATalogus or Octopoes down the scheduler still hands out and
    finishes queued work and keeps events in their queue, and restarting it would not bring them back
    (mula's /health likewise stays healthy and lists its externals apart). docs/architecture.md.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:  # any failure to reach the database makes us unhealthy, not a 500
        database_ok = False
    externals = catalogue_health()
    results = [{"service": "database", "healthy": database_ok, "version": None, "additional": None, "results": []}]
    results += [
        {
            "service": name,
            "healthy": state["healthy"],
            "version": state.get("version"),
            "additional": {"detail": state["detail"]} if state.get("detail") else None,
            "results": [],
        }
        for name, state in externals.items()
    ]
    return {
        "service": "scheduler",
        "healthy": database_ok,
        "version": __version__,
        "additional": None,
        "results": results,
        "externals": {"database": database_ok, **{name: state["healthy"] for name, state in externals.items()}},
    }


def queue_sizes(*, scope: OrganisationScope = EVERY_ORGANISATION) -> dict[str, int]:
    """Queued tasks per scheduler id (of the organisations in `scope`); see queue_size_counts."""
    return {scheduler_id: counted.value for scheduler_id, counted in queue_size_counts(scope=scope).items()}


def queue_size_counts(*, scope: OrganisationScope = EVERY_ORGANISATION) -> dict[str, Counted]:
    """Queued tasks per scheduler id (of the organisations in `scope`). On PostgreSQL the maintained counts, exact
    (count_reads); elsewhere exact up to the count bound and estimated above it (rocky_scheduler.counting), each a
    range of the queue's partial index, never the whole queue."""
    if counts_available():
        sizes = dict(summed_counts([TaskCountKind.STATE], ["scheduler_id"], scope=scope, status=TaskStatus.QUEUED))
        return {
            sid: Counted(sizes.get(sid, 0)) for sid in Scheduler.objects.order_by("id").values_list("id", flat=True)
        }
    bound = exact_count_bound()
    queued = scope.filter(Task.objects.filter(status=TaskStatus.QUEUED))
    # One round trip: each scheduler with the bounded count of its queue as a column.
    rows = Scheduler.objects.annotate(
        size=BoundedCount(limited_rows(queued.filter(scheduler_id=OuterRef("id")), bound))
    ).values_list("id", "size")
    return {
        scheduler_id: counted_or_estimated(queued.filter(scheduler_id=scheduler_id), size, bound)
        for scheduler_id, size in rows
    }


def task_depth() -> list[tuple[str, str, int]]:
    """(scheduler id, status, tasks) for every status a scheduler has tasks in: the maintained counts on PostgreSQL
    (a scrape of /metrics every few seconds must not GROUP BY the whole task table: 11M rows take seconds), a
    GROUP BY elsewhere."""
    if counts_available():
        rows = summed_counts([TaskCountKind.STATE], ["scheduler_id", "status"], scope=EVERY_ORGANISATION)
        return [(scheduler_id, status, n) for scheduler_id, status, n in rows]
    grouped = Task.objects.values_list("scheduler_id", "status").annotate(n=Count("id")).order_by()
    return [(scheduler_id, status, n) for scheduler_id, status, n in grouped]


def estimated_header(counts: dict[str, Counted]) -> str:
    """The value of the X-Count-Estimated header for these counts: the keys whose count is an estimate."""
    return ", ".join(key for key, counted in counts.items() if counted.estimated)


def last_activity(scheduler_id: str, *, scope: OrganisationScope = EVERY_ORGANISATION) -> datetime.datetime | None:
    return (
        scope.filter(Task.objects.filter(scheduler_id=scheduler_id))
        .order_by("-modified_at")
        .values_list("modified_at", flat=True)
        .first()
    )


def last_completed_at(*, scheduler_id: str, hash: str) -> datetime.datetime | None:  # noqa: A002 - the task field
    """When work with this hash last completed (None: never); asked for every task scheduled from an event."""
    return get_store().last_completed_at(scheduler_id=scheduler_id, hash=hash)


def last_completed_many(*, scheduler_id: str, hashes: Iterable[str]) -> dict[str, datetime.datetime]:
    """When work with each of these hashes last completed on the scheduler; hashes that never did are absent.

    One grouped query (the hash index) for a rescheduling batch; the scheduler is compared here, as the ORM store's
    `last_completed_at` does, so SQLite's planner keeps to that index.
    """
    rows = (
        Task.objects.filter(hash__in=set(hashes), status=TaskStatus.COMPLETED)
        .order_by()
        .values_list("hash", "scheduler_id")
        .annotate(last=Max("modified_at"))
    )
    return {hash_: last for hash_, scheduler, last in rows if scheduler == scheduler_id}


def boefje_run_state(
    *,
    scheduler_id: str,
    hash: str,  # noqa: A002 - the task field
    automatic_actor: str,
) -> tuple[datetime.datetime | None, bool]:
    """When work with this hash last completed, and whether its schedule is held off.

    Held off: disabled by a person or de-scheduled by its boefje. A schedule the rescheduler
    (`automatic_actor`) disabled because a condition failed (scan level, plugin, object) is not: the
    event that asks may show the condition lifted.
    """
    return get_store().boefje_run_state(scheduler_id=scheduler_id, hash=hash, automatic_actor=automatic_actor)


def oldest_queued(scheduler_id: str | None = None) -> dict[str, datetime.datetime]:
    """The creation time of the oldest queued task per scheduler (schedulers with an empty queue left out)."""
    # One step into the `task_queued_oldest` index per scheduler; a MIN grouped by scheduler read the whole queue.
    ids = [scheduler_id] if scheduler_id else list(Scheduler.objects.values_list("id", flat=True))
    oldest = {
        sid: Task.objects.filter(status=TaskStatus.QUEUED, scheduler_id=sid)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
        for sid in ids
    }
    return {sid: at for sid, at in oldest.items() if at is not None}


def task_list(
    *, params: dict[str, str], filters: Q | None = None, scope: OrganisationScope = EVERY_ORGANISATION
) -> QuerySet[Task]:
    """Tasks newest first, narrowed by the query parameters (filtersets.TaskFilter) and an optional filter tree."""
    queryset = filtered(TaskFilter, params, scope.filter(Task.objects.all()))
    if filters is not None:
        queryset = queryset.filter(filters)
    return queryset.order_by("-created_at", "-id")


def task_stats(
    *,
    scheduler_id: str | None = None,
    organisation: str | None = None,
    now: datetime.datetime | None = None,
    scope: OrganisationScope = EVERY_ORGANISATION,
) -> dict[str, dict[str, int]]:
    """Tasks by the hour they last changed and their status, over the last 24 hours (every hour present)."""
    now = now or timezone.now()
    first_hour = (now - datetime.timedelta(hours=23)).replace(minute=0, second=0, microsecond=0)
    equal = {}
    if scheduler_id:
        equal["scheduler_id"] = known_scheduler(scheduler_id)
    if organisation:
        equal["organisation"] = organisation
    rows: Iterable[tuple[datetime.datetime, str, int]]
    if covers(first_hour):
        # The maintained per-hour counts (rocky_scheduler.count_reads): a few hundred rows, not a day of tasks.
        rows = summed_counts([TaskCountKind.HOUR], ["bucket", "status"], scope=scope, since=first_hour, **equal)
    else:
        rows = (
            scope.filter(Task.objects.filter(modified_at__gte=first_hour, **equal))
            .annotate(hour=TruncHour("modified_at", tzinfo=datetime.UTC))
            .values_list("hour", "status")
            # COUNT(*), not COUNT(id): the `task_modified_at` index (modified_at, status) then answers alone.
            .annotate(count=Count("*"))
        )
    buckets: dict[str, dict[str, int]] = {}
    for offset in range(24):
        hour = first_hour + datetime.timedelta(hours=offset)
        buckets[hour.isoformat()] = {**dict.fromkeys(TaskStatus.values, 0), "total": 0}
    for hour, status, count in rows:
        bucket = buckets.setdefault(
            hour.astimezone(datetime.UTC).isoformat(), {**dict.fromkeys(TaskStatus.values, 0), "total": 0}
        )
        bucket[status] += count
        bucket["total"] += count
    return buckets


def schedule_list(
    *, params: dict[str, str], filters: Q | None = None, scope: OrganisationScope = EVERY_ORGANISATION
) -> QuerySet[Schedule]:
    """Schedules newest first, narrowed by the query parameters (filtersets.ScheduleFilter) and a filter tree."""
    queryset = filtered(ScheduleFilter, params, scope.filter(Schedule.objects.all()))
    if filters is not None:
        queryset = queryset.filter(filters)
    return queryset.order_by("-created_at", "-id")
