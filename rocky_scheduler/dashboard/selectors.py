"""Reads behind the dashboard. Each part is one aggregate query, so the page costs the same number of
queries with ten tasks or ten million; lists are capped and carry only the columns they show."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncMinute

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope
from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.models.tasks import LEASED_STATUSES

DEFAULT_HOURS = 3
MAX_HOURS = 24
LIST_LIMIT = 10
TOP_ORGANISATIONS = 10
# Rates shown as numbers are averaged over the last minutes, not the chart's whole window.
RATE_MINUTES = 15

# The order operators read a queue in: what waits, what is out with a worker, what is done.
STATUS_ORDER = [
    TaskStatus.PENDING,
    TaskStatus.QUEUED,
    TaskStatus.DISPATCHED,
    TaskStatus.RUNNING,
    TaskStatus.COMPLETED,
    TaskStatus.FAILED,
    TaskStatus.CANCELLED,
]

STATUS_VALUES = [status.value for status in STATUS_ORDER]


@dataclass
class SchedulerSummary:
    id: str
    type: str
    paused: bool
    maxsize: int
    depth: dict[str, int]
    stuck: int = 0
    oldest_queued_at: datetime.datetime | None = None
    # Per minute of the chart window, oldest first.
    pushes: list[int] = field(default_factory=list)
    pops: list[int] = field(default_factory=list)


@dataclass
class OrganisationBacklog:
    organisation: str
    queued: int
    per_scheduler: dict[str, int]


@dataclass
class TaskRow:
    id: Any
    scheduler_id: str
    organisation: str
    status: str
    priority: int
    plugin: str | None
    input_ooi: str | None
    # Stuck tasks: when their lease ran out; failed tasks: when they failed.
    at: datetime.datetime | None
    lease_owner: str = ""
    attempts: int = 0
    reason: str = ""


@dataclass
class DashboardSnapshot:
    now: datetime.datetime
    hours: int
    chart_start: datetime.datetime
    schedulers: list[SchedulerSummary]
    organisations: list[OrganisationBacklog]
    stuck: list[TaskRow]
    failed: list[TaskRow]


def chart_start(*, now: datetime.datetime, hours: int) -> datetime.datetime:
    """The first minute of the chart: `hours` whole hours of minutes ending with the current one."""
    current_minute = now.replace(second=0, microsecond=0)
    return current_minute - datetime.timedelta(minutes=hours * 60 - 1)


def dashboard_snapshot(
    *, now: datetime.datetime, hours: int = DEFAULT_HOURS, scope: OrganisationScope = EVERY_ORGANISATION
) -> DashboardSnapshot:
    """Everything the dashboard shows, as of `now`, with throughput over the last `hours`, counting only the
    tasks of the organisations in `scope` (the viewer's, rocky_scheduler.access)."""
    start = chart_start(now=now, hours=hours)
    minutes = hours * 60
    schedulers = {
        row["id"]: SchedulerSummary(
            id=row["id"],
            type=row["type"],
            paused=row["paused"],
            maxsize=row["maxsize"],
            depth=dict.fromkeys(STATUS_VALUES, 0),
            pushes=[0] * minutes,
            pops=[0] * minutes,
        )
        for row in Scheduler.objects.order_by("id").values("id", "type", "paused", "maxsize")
    }
    _add_depth(schedulers, now, scope)
    _add_throughput(schedulers, start, minutes, scope)
    return DashboardSnapshot(
        now=now,
        hours=hours,
        chart_start=start,
        schedulers=list(schedulers.values()),
        organisations=top_organisations(scheduler_ids=list(schedulers), scope=scope),
        stuck=stuck_tasks(now=now, scope=scope),
        failed=failed_tasks(scope=scope),
    )


def _add_depth(schedulers: dict[str, SchedulerSummary], now: datetime.datetime, scope: OrganisationScope) -> None:
    # One pass over the (scheduler, status) index gives depth, stuck leases and the oldest queued task.
    rows = (
        scope.filter(Task.objects.all())
        .values("scheduler_id", "status")
        .annotate(
            count=Count("id"),
            stuck=Count("id", filter=Q(status__in=LEASED_STATUSES, lease_expires_at__lt=now)),
            oldest=Min("created_at", filter=Q(status=TaskStatus.QUEUED)),
        )
        .order_by()
    )
    for row in rows:
        summary = schedulers.get(row["scheduler_id"])
        if summary is None:
            continue
        summary.depth[row["status"]] = summary.depth.get(row["status"], 0) + row["count"]
        summary.stuck += row["stuck"]
        if row["status"] == TaskStatus.QUEUED:
            summary.oldest_queued_at = row["oldest"]


def _add_throughput(
    schedulers: dict[str, SchedulerSummary], start: datetime.datetime, minutes: int, scope: OrganisationScope
) -> None:
    # A push writes a "created" event and a pop a move to "dispatched"; the `at` index bounds the scan
    # to the window, and the database buckets per minute so only `minutes` rows per scheduler come back.
    rows = (
        scope.filter(TaskEvent.objects.filter(at__gte=start), "task__organisation")
        .filter(Q(kind=TaskEvent.Kind.CREATED) | Q(kind=TaskEvent.Kind.STATUS, to_status=TaskStatus.DISPATCHED))
        .annotate(minute=TruncMinute("at", tzinfo=datetime.UTC), scheduler_id=F("task__scheduler_id"))
        .values("scheduler_id", "minute")
        .annotate(
            pushes=Count("id", filter=Q(kind=TaskEvent.Kind.CREATED)),
            pops=Count("id", filter=Q(to_status=TaskStatus.DISPATCHED)),
        )
        .order_by()
    )
    for row in rows:
        summary = schedulers.get(row["scheduler_id"])
        index = int((row["minute"] - start).total_seconds() // 60)
        if summary is None or not 0 <= index < minutes:
            continue
        summary.pushes[index] += row["pushes"]
        summary.pops[index] += row["pops"]


def top_organisations(
    *, scheduler_ids: list[str], limit: int = TOP_ORGANISATIONS, scope: OrganisationScope = EVERY_ORGANISATION
) -> list[OrganisationBacklog]:
    """The organisations with the most queued tasks, with their split over the schedulers."""
    # Positional aliases: scheduler ids are data, not necessarily valid SQL aliases.
    per_scheduler = {
        f"queued_{index}": Count("id", filter=Q(scheduler_id=scheduler_id))
        for index, scheduler_id in enumerate(scheduler_ids)
    }
    rows = (
        scope.filter(Task.objects.filter(status=TaskStatus.QUEUED))
        .values("organisation")
        .annotate(queued=Count("id"), **per_scheduler)
        .order_by("-queued", "organisation")[:limit]
    )
    return [
        OrganisationBacklog(
            organisation=row["organisation"],
            queued=row["queued"],
            per_scheduler={
                scheduler_id: row[f"queued_{index}"]
                for index, scheduler_id in enumerate(scheduler_ids)
                if row[f"queued_{index}"]
            },
        )
        for row in rows
    ]


def _with_description(queryset: QuerySet[Task]) -> QuerySet[Task]:
    # Only the JSON paths shown, never the whole `data` document.
    return queryset.annotate(
        plugin=Coalesce(KT("data__boefje__id"), KT("data__normalizer__id"), KT("data__report_recipe_id")),
        input_ooi=KT("data__input_ooi"),
    )


_ROW_FIELDS = ("id", "scheduler_id", "organisation", "status", "priority", "plugin", "input_ooi", "attempts")


def stuck_tasks(
    *, now: datetime.datetime, limit: int = LIST_LIMIT, scope: OrganisationScope = EVERY_ORGANISATION
) -> list[TaskRow]:
    """Dispatched or running tasks whose lease ran out and that lease expiry has not handled yet."""
    rows = (
        _with_description(scope.filter(Task.objects.filter(status__in=LEASED_STATUSES, lease_expires_at__lt=now)))
        .order_by("lease_expires_at")
        .values(*_ROW_FIELDS, "lease_owner", "lease_expires_at")[:limit]
    )
    return [TaskRow(**{**_row(row), "at": row["lease_expires_at"], "lease_owner": row["lease_owner"]}) for row in rows]


def failed_tasks(*, limit: int = LIST_LIMIT, scope: OrganisationScope = EVERY_ORGANISATION) -> list[TaskRow]:
    """The most recently failed tasks, each with the reason recorded when it failed."""
    last_reason = (
        TaskEvent.objects.filter(task=OuterRef("pk"), to_status=TaskStatus.FAILED)
        .order_by("-at", "-id")
        .values("reason")[:1]
    )
    rows = (
        _with_description(scope.filter(Task.objects.filter(status=TaskStatus.FAILED)))
        .annotate(reason=Subquery(last_reason))
        .order_by("-modified_at", "-id")
        .values(*_ROW_FIELDS, "modified_at", "reason")[:limit]
    )
    return [TaskRow(**{**_row(row), "at": row["modified_at"], "reason": row["reason"] or ""}) for row in rows]


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _ROW_FIELDS}
