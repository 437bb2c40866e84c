"""The task store's batch writes and reads on PostgreSQL: one statement for a whole batch (an ingested event
storm, a rescheduling batch).

An event storm (issue 16) schedules hundreds of tasks per transaction; one round trip per task and per schedule
was most of the time. These are the batch forms of `postgresql.py`'s single statements, with the same
guarantees (task and `created` row together, a unique index refuses without an error, the bound read in the
statement). Only names from the models' own metadata go into the SQL text; every value is a parameter.
"""

import datetime
import json
import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    UUIDField,
)
from django.utils import timezone

from rocky_scheduler.models import ProcessedMessage, Schedule, Scheduler, Task, TaskEvent
from rocky_scheduler.queue.store.rows import CREATED_HISTORY_CTE, TASK_FIELDS, columns, db_values

SCHEDULE_FIELDS = list(Schedule._meta.concrete_fields)


def _unnest(fields: Sequence, rows: Sequence[Sequence]) -> tuple[str, list[list]]:
    """`unnest(...)` of one array per column, and its parameters: one plan however many rows (VALUES lists of
    hundreds of rows cost more to plan than to run)."""
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    return f"unnest({arrays})", [list(column) for column in zip(*rows, strict=True)]


def upsert_schedules(schedules: Sequence[Schedule]) -> dict[str, tuple[uuid.UUID, datetime.timedelta | None]]:
    """Insert the schedules whose hash has none yet; (id, interval) of each hash's schedule."""
    table = Schedule._meta.db_table
    rows, params = _unnest(SCHEDULE_FIELDS, [db_values(schedule, SCHEDULE_FIELDS) for schedule in schedules])
    sql = f"""
        WITH inserted AS (
            INSERT INTO {table} ({columns(SCHEDULE_FIELDS)}) SELECT * FROM {rows}
            ON CONFLICT (hash) DO NOTHING RETURNING id, hash, "interval"
        )
        SELECT id, hash, "interval" FROM inserted
        UNION ALL SELECT id, hash, "interval" FROM {table} WHERE hash = ANY(%s)
    """  # noqa: S608 - names from model metadata; every value is a parameter
    hashes = [schedule.hash for schedule in schedules]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, hashes])
        found = {hash_: (schedule_id, interval) for schedule_id, hash_, interval in cursor.fetchall()}
        missing = [hash_ for hash_ in hashes if hash_ not in found]
        if missing:
            # Inserted by a transaction that committed after this statement's snapshot: a new statement sees them.
            cursor.execute(f'SELECT id, hash, "interval" FROM {table} WHERE hash = ANY(%s)', [missing])  # noqa: S608
            found |= {hash_: (schedule_id, interval) for schedule_id, hash_, interval in cursor.fetchall()}
    return found


def run_states(run_state_sql: str, params: dict) -> dict[str, tuple[datetime.datetime | None, bool]]:
    """`run_state_sql` (one hash's last completion and held-off flag) for every hash in params["hashes"]."""
    expressions = run_state_sql.split("SELECT", 1)[1].replace("%(hash)s", "h.hash")
    sql = f"SELECT h.hash, {expressions} FROM unnest(%(hashes)s::text[]) AS h(hash)"  # noqa: S608 - model names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {hash_: (last_run_at, bool(held)) for hash_, last_run_at, held in cursor.fetchall()}


def record_processed_messages(messages: Sequence[tuple[str, str]]) -> None:
    """The batch form of the processed-message upsert; a digest twice in one batch is written once."""
    unique = dict(messages)
    now = timezone.now()
    sql = f"""
        INSERT INTO {ProcessedMessage._meta.db_table} (digest, queue, processed_at)
        SELECT digest, queue, %s FROM unnest(%s::text[], %s::text[]) AS v (digest, queue)
        ON CONFLICT (digest) DO UPDATE SET queue = EXCLUDED.queue, processed_at = EXCLUDED.processed_at
    """  # noqa: S608 - the table name from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, list(unique), list(unique.values())])


def _param(field: Field) -> str:
    return f"tasks_{field.attname}"


def _array_type(field: Field) -> str:
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


def _column(field: Field, tasks: Sequence[Task]) -> list:
    values = [getattr(task, field.attname) for task in tasks]
    if isinstance(field, JSONField):
        # As text, cast to jsonb by the statement: the field's own preparation costs more than the insert.
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    if isinstance(field, (DateTimeField, UUIDField, IntegerField, CharField, BooleanField, ForeignKey)):
        # Plain values psycopg2 adapts itself (aware datetimes, UUIDs); what db_values would give, per row.
        return values
    return [db_values(task, [field])[0] for task in tasks]


def insert_many(tasks: Sequence[Task], *, actor: str, room_checked: bool, reason: str) -> set[uuid.UUID]:
    params: dict[str, Any] = {_param(field): _column(field, tasks) for field in TASK_FIELDS}
    params |= {"room_checked": room_checked, "scheduler": tasks[0].scheduler_id}
    params |= {"kind": TaskEvent.Kind.CREATED.value, "actor": actor, "reason": reason}
    with connection.cursor() as cursor:
        cursor.execute(_insert_many_sql(), params)
        return {row[0] for row in cursor.fetchall()}
