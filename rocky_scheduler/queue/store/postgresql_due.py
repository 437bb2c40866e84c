"""A rescheduling batch on PostgreSQL: one statement queues a scheduler's share of it with every row it implies.

The tasks with their `created` rows, their schedules' deadlines cleared, and each schedule's DEADLINE and QUEUED
history rows: one round trip instead of four (issue 16 point 3), with data-modifying CTEs. What the ORM store
(orm_bulk.queue_due, SQLite) writes in several statements, row for row. Only names from the models' own metadata
go into the SQL text; every value is a parameter.
"""

import json
import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField

from rocky_scheduler.models import Schedule, ScheduleEvent, Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.store.rows import CREATED_HISTORY_CTE, TASK_FIELDS, columns
from rocky_scheduler.queue.store.types import DueRequest, DueTask

# The task columns that differ per row, in DueTask's order; modified_at is created_at, the rest is one value.
_VARYING = [name for name in DueTask._fields if name != "deadline_at"]
_FIELDS = {field.attname: field for field in TASK_FIELDS}
_DATA = _FIELDS["data"]
_ENCODER = _DATA.encoder if isinstance(_DATA, JSONField) else None


def _value(field: Field) -> str:
    """The select list's expression for a task column: the candidate's, or one parameter for every row."""
    if field.attname in _VARYING:
        return f"candidate.{connection.ops.quote_name(field.attname)}"
    if field.attname == "modified_at":
        return "candidate.created_at"
    return f"%(one_{field.attname})s::{field.db_type(connection)}"


def _rows(tasks: Sequence[DueTask]) -> str:
    """The varying columns of every task as one JSON document: a single parameter the server reads with
    json_to_recordset. Arrays of thousands of values (psycopg2 spells each as a literal) cost more to parse than
    the insert takes. Ids and times as text, exactly (DjangoJSONEncoder would cut times to milliseconds)."""
    rows = [
        {
            "id": str(task.id),
            "schedule_id": str(task.schedule_id),
            "organisation": task.organisation,
            "priority": task.priority,
            "hash": task.hash,
            "data": task.data,
            "deduplication_key": None if task.deduplication_key is None else str(task.deduplication_key),
            "created_at": task.created_at.isoformat(),
        }
        for task in tasks
    ]
    return json.dumps(rows, cls=_ENCODER)


@cache
def _queue_due_sql() -> str:
    # Guarantees: each task with its `created` row or not at all; a task a unique index refuses (the same hash
    # queued, the schedule's task active) writes nothing and leaves its schedule as it was, without aborting the
    # others. Unless the caller counted the room under the scheduler lock, a scheduler with a maxsize gets none (the
    # bound read here, as `insert_many` does). A queued task's schedule loses its deadline (finishing the task
    # sets the next) with a DEADLINE row saying where it was, then gets a QUEUED row: all DEADLINE rows first,
    # each kind in the batch's order, as the ORM store writes them. The schedules are locked by the caller, so
    # the statement's snapshot of their deadlines (`before`) is what the update replaces.
    names = columns(TASK_FIELDS)
    candidate = ", ".join(f"{connection.ops.quote_name(name)} {_FIELDS[name].db_type(connection)}" for name in _VARYING)
    values = ", ".join(_value(field) for field in TASK_FIELDS)
    schedule, event = Schedule._meta.db_table, ScheduleEvent._meta.db_table
    return f"""
        WITH inserted AS (
            INSERT INTO {Task._meta.db_table} ({names})
            SELECT {values} FROM json_to_recordset(%(rows)s::json) AS candidate ({candidate})
             WHERE %(room_checked)s
                OR (SELECT maxsize FROM {Scheduler._meta.db_table} WHERE id = %(one_scheduler_id)s) = 0
            ON CONFLICT DO NOTHING
            RETURNING id, created_at, status, priority, schedule_id
        ),
        {CREATED_HISTORY_CTE},
        cleared AS (
            -- An id list, not a join with `inserted`: the planner, guessing at the CTE, hashed the whole schedule
            -- table for a join (a sequential scan per batch); `= ANY` of an array is an index scan.
            UPDATE {schedule} AS s SET deadline_at = NULL, modified_at = %(now)s
              FROM {schedule} AS before
             WHERE s.id = ANY(ARRAY(SELECT schedule_id FROM inserted))
               AND before.id = s.id AND before.deadline_at IS NOT NULL
            RETURNING s.id, before.deadline_at
        ),
        schedule_history AS (
            INSERT INTO {event} (schedule_id, at, kind, actor, reason, deadline_from, deadline_to)
            SELECT schedule_id, %(now)s, kind, %(actor)s, reason, deadline_from, NULL FROM (
                SELECT 1 AS step, cleared.id AS schedule_id, inserted.created_at, %(deadline_kind)s AS kind,
                       %(deadline_reason)s AS reason, cleared.deadline_at AS deadline_from
                  FROM cleared JOIN inserted ON inserted.schedule_id = cleared.id
                UNION ALL
                SELECT 2, schedule_id, created_at, %(queued_kind)s, '', NULL FROM inserted
            ) AS rows
            ORDER BY step, created_at
        )
        SELECT id FROM inserted
    """  # noqa: S608 - names from model metadata; every value is a parameter


def queue_due(request: DueRequest) -> set[uuid.UUID]:
    """See orm_bulk.queue_due: the same rows, one statement."""
    params: dict[str, Any] = {"rows": _rows(request.tasks)}
    given = {"scheduler_id": request.scheduler_id, "type": request.task_type, "status": TaskStatus.QUEUED.value}
    for field in TASK_FIELDS:
        if field.attname not in _VARYING and field.attname != "modified_at":
            # The columns a rescheduled task does not set take their model default (no callable among them).
            params[f"one_{field.attname}"] = given.get(field.attname, field.get_default())
    params |= {"room_checked": request.room_checked, "now": request.now, "actor": request.actor}
    params["deadline_reason"] = request.deadline_reason
    params |= {
        "reason": "",
        "kind": TaskEvent.Kind.CREATED.value,
        "deadline_kind": ScheduleEvent.Kind.DEADLINE.value,
        "queued_kind": ScheduleEvent.Kind.QUEUED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_queue_due_sql(), params)
        return {row[0] for row in cursor.fetchall()}
