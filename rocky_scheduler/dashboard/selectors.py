"""Reads behind the dashboard. Each part is a fixed number of queries, each bounded: the page costs the same
with ten tasks or ten million. Depth, throughput and backlogs are PostgreSQL's maintained counts (exact,
rocky_scheduler.count_reads), on SQLite direct counts; lists are capped and carry only the columns they show."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncMinute

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope
from rocky_scheduler.count_reads import counts_available, covers
from rocky_scheduler.counting import BoundedCount, counted_or_estimated, exact_count_bound, limited_rows
from rocky_scheduler.dashboard.counted import StateCounts, state_counts, throughput_counts
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
    # The statuses whose depth is an estimate (more than the count bound).
    estimated: set[str] = field(default_factory=set)
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
    # The maintained counts (PostgreSQL): one read gives the depth and the backlog per organisation.
    state = state_counts(scope) if counts_available() else None
    schedulers = _summaries(now, minutes, scope, state)
    _add_throughput(schedulers, start, minutes, scope)
    return DashboardSnapshot(
        now=now,
        hours=hours,
        chart_start=start,
        schedulers=list(schedulers.values()),
        organisations=top_organisations(scheduler_ids=list(schedulers), scope=scope, state=state),
        stuck=stuck_tasks(now=now, scope=scope),
        failed=failed_tasks(scope=scope),
    )


def _summaries(
    now: datetime.datetime, minutes: int, scope: OrganisationScope, state: StateCounts | None
) -> dict[str, SchedulerSummary]:
    # One query: each scheduler with its oldest queued task (one step into `task_queued_oldest`) and, without
    # maintained counts (SQLite), per status a bounded count (a range of the (scheduler, status) index, at most
    # the count bound of it, estimated above: rocky_scheduler.counting); then the expired leases (the small
    # `task_lease_expiry` index). On PostgreSQL the depth is the maintained counts', exact. A GROUP BY over
    # every task read 11M rows.
    bound = exact_count_bound()
    tasks = scope.filter(Task.objects.all())
    depth = {} if state is not None else _bounded_depth(tasks, bound)
    queued = tasks.filter(scheduler_id=OuterRef("id"), status=TaskStatus.QUEUED).order_by("created_at")
    rows = (
        Scheduler.objects.order_by("id")
        .annotate(**depth, oldest=Subquery(queued.values("created_at")[:1]))
        .values("id", "type", "paused", "maxsize", "oldest", *depth)
    )
    counts = state.depth() if state is not None else {}
    schedulers = {}
    for row in rows:
        summary = SchedulerSummary(
            id=row["id"],
            type=row["type"],
            paused=row["paused"],
            maxsize=row["maxsize"],
            depth={},
            oldest_queued_at=row["oldest"],
            pushes=[0] * minutes,
            pops=[0] * minutes,
        )
        for index, status in enumerate(STATUS_VALUES):
            if state is not None:
                summary.depth[status] = counts.get((row["id"], status), 0)
                continue
            counted = counted_or_estimated(
                tasks.filter(scheduler_id=row["id"], status=status), row[f"depth_{index}"], bound
            )
            summary.depth[status] = counted.value
            if counted.estimated:
                summary.estimated.add(status)
        schedulers[row["id"]] = summary
    expired = tasks.filter(status__in=LEASED_STATUSES, lease_expires_at__lt=now)
    for row in expired.values("scheduler_id").annotate(stuck=Count("id")).order_by():
        if row["scheduler_id"] in schedulers:
            schedulers[row["scheduler_id"]].stuck = row["stuck"]
    return schedulers


def _bounded_depth(tasks: QuerySet[Task], bound: int) -> dict[str, BoundedCount]:
    return {
        f"depth_{index}": BoundedCount(limited_rows(tasks.filter(scheduler_id=OuterRef("id"), status=status), bound))
        for index, status in enumerate(STATUS_VALUES)
    }


def _add_throughput(
    schedulers: dict[str, SchedulerSummary], start: datetime.datetime, minutes: int, scope: OrganisationScope
) -> None:
    for scheduler_id, minute, pushes, pops in _throughput_rows(start, scope):
        summary = schedulers.get(scheduler_id)
        index = int((minute - start).total_seconds() // 60)
        if summary is None or not 0 <= index < minutes:
            continue
        summary.pushes[index] += pushes
        summary.pops[index] += pops


def _throughput_rows(
    start: datetime.datetime, scope: OrganisationScope
) -> list[tuple[str, datetime.datetime, int, int]]:
    """(scheduler, minute, pushes, pops) from `start` on."""
    if covers(start):
        return throughput_counts(start, scope)
    # A push writes a "created" event and a pop a move to "dispatched"; the `at` index bounds the scan
    # to the window, and the database buckets per minute so only `minutes` rows per scheduler come back.
    return list(
        scope.filter(TaskEvent.objects.filter(at__gte=start), "task__organisation")
        .filter(Q(kind=TaskEvent.Kind.CREATED) | Q(kind=TaskEvent.Kind.STATUS, to_status=TaskStatus.DISPATCHED))
        .annotate(minute=TruncMinute("at", tzinfo=datetime.UTC), scheduler_id=F("task__scheduler_id"))
        .values_list("scheduler_id", "minute")
        .annotate(
            pushes=Count("id", filter=Q(kind=TaskEvent.Kind.CREATED)),
            pops=Count("id", filter=Q(to_status=TaskStatus.DISPATCHED)),
        )
        .order_by()
    )


def top_organisations(
    *,
    scheduler_ids: list[str],
    limit: int = TOP_ORGANISATIONS,
    scope: OrganisationScope = EVERY_ORGANISATION,
    state: StateCounts | None = None,
) -> list[OrganisationBacklog]:
    """The organisations with the most queued tasks, with their split over the schedulers; from `state`, the
    maintained counts, when given."""
    if state is not None:
        return _top_organisations_counted(scheduler_ids=scheduler_ids, limit=limit, state=state)
    # Positional aliases: scheduler ids are data, not necessarily valid SQL aliases. Only the columns of the
    # `task_queued_per_organisation` index (scheduler, organisation) are read, so it is an index-only scan
    # of the queue, not of the task table; still one pass over the whole queue (docs/benchmarks/scale.md).
    per_scheduler = {
        f"queued_{index}": Count("scheduler_id", filter=Q(scheduler_id=scheduler_id))
        for index, scheduler_id in enumerate(scheduler_ids)
    }
    rows = (
        scope.filter(Task.objects.filter(status=TaskStatus.QUEUED))
        .values("organisation")
        .annotate(queued=Count("scheduler_id"), **per_scheduler)
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


def _top_organisations_counted(
    *, scheduler_ids: list[str], limit: int, state: StateCounts
) -> list[OrganisationBacklog]:
    backlogs = [
        OrganisationBacklog(
            organisation=organisation,
            queued=sum(per_scheduler.values()),
            per_scheduler={sid: per_scheduler[sid] for sid in scheduler_ids if per_scheduler.get(sid)},
        )
        for organisation, per_scheduler in state.queued_by_organisation().items()
    ]
    ranked = sorted((b for b in backlogs if b.queued > 0), key=lambda b: (-b.queued, b.organisation))
    return ranked[:limit]


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
