"""The task store's batch writes and reads on PostgreSQL: one statement for a whole batch of ingested events.

An event storm (issue 16) schedules hundreds of tasks per transaction; one round trip per task and per schedule
was most of the time. These are the batch forms of `postgresql.py`'s single statements, with the same
guarantees (task and `created` row together, a unique index refuses without an error, the bound read in the
statement). Only names from the models' own metadata go into the SQL text; every value is a parameter.
"""

import datetime
import uuid
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from rocky_scheduler.models import ProcessedMessage, Schedule, Scheduler, Task, TaskEvent
from rocky_scheduler.queue.store.rows import TASK_FIELDS, columns, db_values
from rocky_scheduler.queue.store.types import InsertOutcome

SCHEDULE_FIELDS = list(Schedule._meta.concrete_fields)


def _unnest(fields: Sequence, rows: Sequence[Sequence]) -> tuple[str, list[list]]:
    """`unnest(...)` of one array per column, and its parameters: one plan however many rows (VALUES lists of
    hundreds of rows cost more to plan than to run)."""
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    return f"unnest({arrays})", [list(column) for column in zip(*rows, strict=True)]


def insert_many(tasks: Sequence[Task], *, actor: str, kind: str) -> list[InsertOutcome]:
    """Insert tasks of one scheduler with their `created` rows; nothing at all when the scheduler has a maxsize."""
    rows, params = _unnest(TASK_FIELDS, [db_values(task, TASK_FIELDS) for task in tasks])
    sql = f"""
        WITH bound AS (
            SELECT maxsize FROM {Scheduler._meta.db_table} WHERE id = %s
        ),
        inserted AS (
            INSERT INTO {Task._meta.db_table} ({columns(TASK_FIELDS)})
            SELECT v.* FROM {rows} AS v, bound WHERE bound.maxsize = 0
            ON CONFLICT DO NOTHING
            RETURNING id, created_at, status, priority
        ),
        history AS (
            INSERT INTO {TaskEvent._meta.db_table}
                   (task_id, at, kind, from_status, to_status, to_priority, actor, reason)
            SELECT id, created_at, %s, '', status, priority, %s, '' FROM inserted
        )
        SELECT (SELECT maxsize FROM bound), ARRAY(SELECT id FROM inserted)
    """  # noqa: S608 - names from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [tasks[0].scheduler_id, *params, kind, actor])
        maxsize, inserted = cursor.fetchone()
    if maxsize:
        return [InsertOutcome.BOUNDED] * len(tasks)
    inserted_ids = {uuid.UUID(str(task_id)) for task_id in inserted}
    return [InsertOutcome.INSERTED if task.pk in inserted_ids else InsertOutcome.CONFLICT for task in tasks]


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
