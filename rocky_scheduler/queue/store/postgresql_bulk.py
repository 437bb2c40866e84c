"""Many tasks with their history rows in one statement: the rescheduler's batches on PostgreSQL."""

import json
import uuid
from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import BooleanField, CharField, DateTimeField, ForeignKey, IntegerField, JSONField, UUIDField

from rocky_scheduler.models import Scheduler, Task, TaskEvent
from rocky_scheduler.queue.store.rows import CREATED_HISTORY_CTE, TASK_FIELDS, columns, db_values


def _param(field) -> str:
    return f"tasks_{field.attname}"


def _array_type(field) -> str:
    # JSON goes as text (see _column); every other column as an array of its own type.
    return "text[]::jsonb[]" if isinstance(field, JSONField) else f"{field.db_type(connection)}[]"


@cache
def _insert_many_sql() -> str:
    # Guarantees: each task is written with its `created` row or not at all; a task a unique index refuses (the
    # same hash queued, the same schedule active, the same id, or an earlier row of this very batch) writes
    # nothing and is absent from the answer, without aborting the others (no exception, so no savepoint). The
    # rows go in in the order given. Unless the caller counted the room under the scheduler lock (`room_checked`),
    # a scheduler with a maxsize gets none of them: the bound is read here, as the single insert does.
    # One array per column, unnested side by side; every value is a parameter, cast to its column's type.
    arrays = ", ".join(f"%({_param(field)})s::{_array_type(field)}" for field in TASK_FIELDS)
    names = columns(TASK_FIELDS)
    return f"""
        WITH inserted AS (
            INSERT INTO {Task._meta.db_table} ({names})
            SELECT {names} FROM unnest({arrays}) AS candidate ({names})
             WHERE %(room_checked)s OR (SELECT maxsize FROM {Scheduler._meta.db_table} WHERE id = %(scheduler)s) = 0
            ON CONFLICT DO NOTHING
            RETURNING id, created_at, status, priority
        ),
        {CREATED_HISTORY_CTE}
        SELECT id FROM inserted
    """  # noqa: S608 - names from model metadata; every value is a parameter


def _column(field, tasks: Sequence[Task]) -> list:
    values = [getattr(task, field.attname) for task in tasks]
    if isinstance(field, JSONField):
        # As text, cast to jsonb by the statement: the field's own preparation costs more than the insert.
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    if isinstance(field, (DateTimeField, UUIDField, IntegerField, CharField, BooleanField, ForeignKey)):
        # Plain values psycopg2 adapts itself (aware datetimes, UUIDs); what db_values would give, per row.
        return values
    return [db_values(task, [field])[0] for task in tasks]


def insert_many(tasks: Sequence[Task], *, actor: str, room_checked: bool, reason: str) -> set[uuid.UUID]:
    params = {_param(field): _column(field, tasks) for field in TASK_FIELDS}
    params |= {"room_checked": room_checked, "scheduler": tasks[0].scheduler_id}
    params |= {"kind": TaskEvent.Kind.CREATED.value, "actor": actor, "reason": reason}
    with connection.cursor() as cursor:
        cursor.execute(_insert_many_sql(), params)
        return {row[0] for row in cursor.fetchall()}
