"""JSON shapes of the API (DESIGN.md "HTTP API"), written out by hand: they are on the hot path."""

import datetime
from typing import Any

from rocky_scheduler.models import Schedule, Scheduler, Task


def iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": str(task.id),
        "scheduler_id": task.scheduler_id,
        "schedule_id": str(task.schedule_id) if task.schedule_id else None,
        "organisation": task.organisation,
        "priority": task.priority,
        "status": task.status,
        "type": task.type,
        "hash": task.hash,
        "data": task.data,
        "created_at": iso(task.created_at),
        "modified_at": iso(task.modified_at),
    }


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": str(schedule.id),
        "scheduler_id": schedule.scheduler_id,
        "organisation": schedule.organisation,
        "hash": schedule.hash,
        "data": schedule.data,
        "enabled": schedule.enabled,
        "schedule": schedule.schedule,
        "deadline_at": iso(schedule.deadline_at),
        "created_at": iso(schedule.created_at),
        "modified_at": iso(schedule.modified_at),
    }


def scheduler_json(scheduler: Scheduler, *, qsize: int, last_activity: datetime.datetime | None) -> dict[str, Any]:
    return {
        "id": scheduler.id,
        "type": scheduler.type,
        "item_type": scheduler.item_type,
        "qsize": qsize,
        "last_activity": iso(last_activity),
        "maxsize": scheduler.maxsize,
        "paused": scheduler.paused,
        "ranker": scheduler.ranker,
        "allow_replace": scheduler.allow_replace,
        "allow_updates": scheduler.allow_updates,
        "allow_priority_updates": scheduler.allow_priority_updates,
        "deduplicate": scheduler.deduplicate,
    }
