"""Turns a dashboard snapshot into the one JSON-able structure that both the template and the
refreshing script render, so the first paint and every refresh show the same words and numbers."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_lazy

from rocky_scheduler.dashboard.selectors import RATE_MINUTES, DashboardSnapshot, SchedulerSummary, TaskRow
from rocky_scheduler.models import TaskStatus

# Statuses an operator should look at when they are not zero.
ALERT_STATUSES = {TaskStatus.FAILED.value}
# How the catalogue's externals are called on the page.
SERVICE_NAMES = {"katalogus": "KATalogus", "octopoes": "Octopoes", "catalogue": gettext_lazy("The catalogue")}


def _externals(externals: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The catalogue's services with, for each one down, the banner's sentence saying what that means."""
    rows = []
    for service, state in externals.items():
        name = str(SERVICE_NAMES.get(service, service))
        message = ""
        if not state["healthy"]:
            message = gettext(
                "%(name)s is not answering (%(detail)s). New events wait in their queue and are scheduled "
                "once it is back; tasks already queued are still handed out."
            ) % {"name": name, "detail": state.get("detail") or gettext("no detail")}
        rows.append({"service": service, "name": name, "healthy": state["healthy"], "message": message})
    return rows


def format_count(value: int, *, estimated: bool = False) -> str:
    # An estimate (rocky_scheduler.counting) reads "≈ 1,234,567": the page says which numbers are not exact.
    return f"≈ {value:,}" if estimated else f"{value:,}"


def format_age(seconds: float | None) -> str:
    """A duration short enough for a table cell: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`."""
    if seconds is None:
        return "–"
    seconds = max(0, int(seconds))
    # The units are translated (Dutch writes hours as `u`), the numbers stay as they are.
    if seconds < 60:
        return gettext("{seconds} s").format(seconds=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return gettext("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return gettext("{hours} h {minutes} min").format(hours=hours, minutes=f"{minutes:02d}")
    days, hours = divmod(hours, 24)
    return gettext("{days} d {hours} h").format(days=days, hours=hours)


def status_label(status: str) -> str:
    """A task status as people read it, in the request's language; the raw value stays in the data for scripts."""
    try:
        return str(TaskStatus(status).label).lower()
    except ValueError:
        return status


def format_rate(per_minute: float) -> str:
    return f"{per_minute:,.1f}" if per_minute < 100 else f"{per_minute:,.0f}"


def _admin_url(name: str, *args: Any) -> str | None:
    # The host project may mount the dashboard without the admin; then there is nothing to link to.
    try:
        return reverse(f"admin:rocky_scheduler_{name}", args=args)
    except NoReverseMatch:
        return None


def _changelist(base: str | None, **filters: str) -> str | None:
    return f"{base}?{urlencode(filters)}" if base else None


def _ago(at: datetime.datetime | None, now: datetime.datetime) -> str:
    return format_age((now - at).total_seconds()) if at else "–"


def _scheduler(summary: SchedulerSummary, now: datetime.datetime, changelist: str | None) -> dict[str, Any]:
    recent = min(RATE_MINUTES, len(summary.pushes)) or 1
    oldest_seconds = (now - summary.oldest_queued_at).total_seconds() if summary.oldest_queued_at else None
    queued = summary.depth.get(TaskStatus.QUEUED, 0)
    return {
        "id": summary.id,
        "type": summary.type,
        "paused": summary.paused,
        "maxsize": summary.maxsize,
        "maxsize_display": format_count(summary.maxsize) if summary.maxsize else gettext("unbounded"),
        "queued": queued,
        "queued_estimated": TaskStatus.QUEUED in summary.estimated,
        "queued_display": format_count(queued, estimated=TaskStatus.QUEUED in summary.estimated),
        "statuses": [
            {
                "status": status,
                "status_label": status_label(status),
                "count": count,
                "estimated": status in summary.estimated,
                "count_display": format_count(count, estimated=status in summary.estimated),
                "alert": bool(count) and status in ALERT_STATUSES,
                "url": _changelist(changelist, scheduler__id__exact=summary.id, status__exact=status),
            }
            for status, count in summary.depth.items()
        ],
        "stuck": summary.stuck,
        "stuck_display": format_count(summary.stuck),
        "oldest_queued_at": summary.oldest_queued_at.isoformat() if summary.oldest_queued_at else None,
        "oldest_queued_seconds": oldest_seconds,
        "oldest_queued_age": format_age(oldest_seconds),
        "push_rate": format_rate(sum(summary.pushes[-recent:]) / recent),
        "pop_rate": format_rate(sum(summary.pops[-recent:]) / recent),
        "pushes": summary.pushes,
        "pops": summary.pops,
        "pushes_total": format_count(sum(summary.pushes)),
        "pops_total": format_count(sum(summary.pops)),
    }


def _task(row: TaskRow, now: datetime.datetime) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "short_id": str(row.id)[:8],
        "url": _admin_url("task_change", row.id),
        "scheduler_id": row.scheduler_id,
        "organisation": row.organisation,
        "status": row.status,
        "status_label": status_label(row.status),
        "priority": row.priority,
        "plugin": row.plugin or "–",
        "input_ooi": row.input_ooi or "",
        # OOI references are long and `|`-separated; the page offers a line break after each `|`.
        "input_ooi_parts": (row.input_ooi or "").split("|") if row.input_ooi else [],
        "at": row.at.isoformat() if row.at else None,
        "ago": _ago(row.at, now),
        "lease_owner": row.lease_owner or "–",
        "attempts": row.attempts,
        "reason": row.reason or "–",
    }


def dashboard_json(snapshot: DashboardSnapshot, externals: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """`externals`: the catalogue's services, as catalogue.health.catalogue_health() gives them."""
    now = snapshot.now
    changelist = _admin_url("task_changelist")
    return {
        "now": now.isoformat(),
        "now_display": now.strftime("%H:%M:%S UTC"),
        "hours": snapshot.hours,
        "chart": {
            "start": snapshot.chart_start.isoformat(),
            # Epoch milliseconds, so the script needs no date parsing to label the axis.
            "start_ms": int(snapshot.chart_start.timestamp() * 1000),
            "minutes": snapshot.hours * 60,
        },
        "rate_minutes": RATE_MINUTES,
        "externals": _externals(externals or {}),
        # Whether the banner shows: some service the catalogue reads is not answering.
        "externals_down": any(not state["healthy"] for state in (externals or {}).values()),
        "tasks_url": changelist,
        "schedulers": [_scheduler(summary, now, changelist) for summary in snapshot.schedulers],
        "stuck_total": format_count(sum(summary.stuck for summary in snapshot.schedulers)),
        "organisations": [
            {
                "organisation": backlog.organisation,
                "queued": backlog.queued,
                "queued_display": format_count(backlog.queued),
                "split": [
                    {"scheduler_id": scheduler_id, "count_display": format_count(count)}
                    for scheduler_id, count in backlog.per_scheduler.items()
                ],
                "url": _changelist(changelist, organisation=backlog.organisation, status__exact=TaskStatus.QUEUED),
            }
            for backlog in snapshot.organisations
        ],
        "stuck": [_task(row, now) for row in snapshot.stuck],
        "failed": [_task(row, now) for row in snapshot.failed],
    }
