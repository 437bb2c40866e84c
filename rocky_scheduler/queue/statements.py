"""Single-statement writes for the hot paths on PostgreSQL.

A push or a status change is one round trip here instead of a handful: the row and its history
row are written by one statement (data-modifying CTEs), and a conflict is reported as "no row"
instead of an exception, so no savepoint is needed. Values are always parameters; only table and
column names from the models' own metadata are put into the SQL text.
"""

import datetime
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection

from rocky_scheduler.models import Schedule, Scheduler, Task, TaskEvent
from rocky_scheduler.queue.prepared import PreparedStatement

_TASK_FIELDS = [field for field in Task._meta.concrete_fields]
_SCHEDULE_FIELDS = [field for field in Schedule._meta.concrete_fields]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _values(instance, fields) -> list:
    return [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]


def _columns(fields, *, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + connection.ops.quote_name(field.column) for field in fields)


def task_columns(alias: str = "") -> str:
    """Every task column in model field order: the row shape `tasks_from_rows` reads."""
    return _columns(_TASK_FIELDS, alias=alias)


@cache
def _task_converters() -> list[tuple[int, list]]:
    # What the ORM would apply to each column (JSONField decodes `data`); most columns need nothing.
    converters = []
    for index, field in enumerate(_TASK_FIELDS):
        column = field.get_col(Task._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, [(converter, column) for converter in found]))
    return converters


def tasks_from_rows(rows: Sequence[Sequence]) -> list[Task]:
    """Task instances from rows of `task_columns()`, as the ORM would build them, without its query machinery.

    Columns after the task's own (a statement may return more) are left to the caller.
    """
    names = [field.attname for field in _TASK_FIELDS]
    width = len(names)
    converters = _task_converters()
    tasks = []
    for row in rows:
        values = list(row[:width])
        for index, chain in converters:
            for converter, column in chain:
                values[index] = converter(values[index], column, connection)
        tasks.append(Task.from_db(connection.alias, names, values))
    return tasks


@cache
def _insert_sql() -> str:
    task_table = Task._meta.db_table
    event_table = TaskEvent._meta.db_table
    scheduler_table = Scheduler._meta.db_table
    # INSERT ... SELECT does not coerce its literals to the columns' types as VALUES would: cast each.
    placeholders = ", ".join(f"%s::{field.db_type(connection)}" for field in _TASK_FIELDS)
    return f"""
        WITH bound AS (
            SELECT maxsize FROM {scheduler_table} WHERE id = %s
        ),
        inserted AS (
            INSERT INTO {task_table} ({_columns(_TASK_FIELDS)})
            SELECT {placeholders} FROM bound WHERE bound.maxsize = 0 OR %s
            ON CONFLICT DO NOTHING
            RETURNING id, created_at, status, priority
        ),
        history AS (
            INSERT INTO {event_table} (task_id, at, kind, from_status, to_status, to_priority, actor, reason)
            SELECT id, created_at, %s, '', status, priority, %s, '' FROM inserted
        )
        SELECT EXISTS (SELECT 1 FROM inserted), (SELECT maxsize FROM bound)
    """  # noqa: S608 - names from model metadata; every value is a parameter


class InsertOutcome(enum.Enum):
    INSERTED = "inserted"
    # A unique index refused it (the same hash queued, the same schedule active, the same id).
    CONFLICT = "conflict"
    # The scheduler has a maxsize and the caller had not checked the room under the scheduler lock.
    BOUNDED = "bounded"


def task_insert_with_event(task: Task, *, actor: str, room_checked: bool) -> InsertOutcome:
    """INSERT the task and its `created` history row, unless the scheduler is bounded and `room_checked` is False.

    The statement reads the scheduler's maxsize itself, so a bound set a moment ago by another process binds
    this push although this process's settings cache has not seen it yet.
    """
    with connection.cursor() as cursor:
        params = [task.scheduler_id, *_values(task, _TASK_FIELDS), room_checked, TaskEvent.Kind.CREATED, actor]
        cursor.execute(_insert_sql(), params)
        inserted, maxsize = cursor.fetchone()
    if inserted:
        return InsertOutcome.INSERTED
    if maxsize and not room_checked:
        return InsertOutcome.BOUNDED
    return InsertOutcome.CONFLICT


def schedule_upsert(schedule: Schedule) -> uuid.UUID:
    """The id of the schedule with this hash, inserting `schedule` when there is none."""
    table = Schedule._meta.db_table
    placeholders = ", ".join(["%s"] * len(_SCHEDULE_FIELDS))
    sql = f"""
        WITH inserted AS (
            INSERT INTO {table} ({_columns(_SCHEDULE_FIELDS)}) VALUES ({placeholders})
            ON CONFLICT (hash) DO NOTHING RETURNING id
        )
        SELECT id FROM inserted UNION ALL SELECT id FROM {table} WHERE hash = %s LIMIT 1
    """  # noqa: S608 - names from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_values(schedule, _SCHEDULE_FIELDS), schedule.hash])
        row = cursor.fetchone()
        if row is None:
            # A concurrent insert of the same hash committed after this statement's snapshot:
            # a new statement sees it.
            cursor.execute(f"SELECT id FROM {table} WHERE hash = %s", [schedule.hash])  # noqa: S608
            row = cursor.fetchone()
    return row[0]


@cache
def _transition_sql(lease: str, clear_dispatch: bool, reschedule: bool) -> str:
    task_table = Task._meta.db_table
    event_table = TaskEvent._meta.db_table
    scheduler_table = Scheduler._meta.db_table
    schedule_table = Schedule._meta.db_table
    assignments = ["status = %s", "modified_at = %s"]
    if lease == "run":
        run_timeout = f"(SELECT s.run_timeout_seconds FROM {scheduler_table} AS s WHERE s.id = t.scheduler_id)"  # noqa: S608
        assignments.append(f"lease_expires_at = %s + {run_timeout} * interval '1 second'")
    elif lease == "clear":
        assignments += ["lease_expires_at = NULL", "lease_owner = ''"]
    if clear_dispatch:
        assignments.append("dispatched_at = NULL")
    schedule_cte, tail = "", "SELECT changed.*, false, NULL FROM changed"
    if reschedule:
        # Finished work of a schedule gets its next deadline in the same statement, so no crash can leave the
        # schedule without one: now + its plugin's interval from the map parameter when the schedule has no
        # cron and the plugin is in the map, else the given deadline (the grace period; the caller corrects
        # it for a cron schedule, or when it had no map to give).
        schedule_cte = f""",
        rescheduled AS (
            UPDATE {schedule_table} AS s
               SET deadline_at = COALESCE(
                       CASE WHEN s.schedule IS NULL
                            THEN %s + (%s::jsonb ->> (changed.data #>> '{{boefje,id}}'))::float8 * interval '1 second'
                       END,
                       %s
                   ),
                   modified_at = %s
              FROM changed
             WHERE s.id = changed.schedule_id
         RETURNING s.id, s.schedule
        )"""  # noqa: S608 - names from model metadata; every value is a parameter
        tail = (
            "SELECT changed.*, rescheduled.id IS NOT NULL, rescheduled.schedule"
            " FROM changed LEFT JOIN rescheduled ON true"
        )
    return f"""
        WITH current AS (
            SELECT id, status FROM {task_table} WHERE id = %s FOR UPDATE
        ),
        changed AS (
            UPDATE {task_table} AS t SET {", ".join(assignments)}
              FROM current
             WHERE t.id = current.id AND current.status = ANY(%s)
         RETURNING {task_columns("t")}, current.status AS previous_status
        ),
        history AS (
            INSERT INTO {event_table} (task_id, at, kind, from_status, to_status, actor, reason)
            SELECT id, %s, %s, previous_status, status, %s, %s FROM changed
        ){schedule_cte}
        {tail}
    """  # noqa: S608 - names from model metadata; every value is a parameter


@cache
def _transition_prepared(lease: str, clear_dispatch: bool, reschedule: bool) -> PreparedStatement:
    run = ("timestamptz",) if lease == "run" else ()
    # now, plugin intervals, provisional deadline, now
    deadline = ("timestamptz", "jsonb", "timestamptz", "timestamptz") if reschedule else ()
    types = ("uuid", "text", "timestamptz", *run, "text[]", "timestamptz", "text", "text", "text", *deadline)
    suffix = ("_requeue" if clear_dispatch else "") + ("_reschedule" if reschedule else "")
    name = f"rocky_scheduler_transition_{lease}{suffix}"
    return PreparedStatement(name, _transition_sql(lease, clear_dispatch, reschedule), types)


@dataclass(frozen=True)
class TransitionOutcome:
    task: Task
    from_status: str
    # The task has a schedule, which got a new deadline in the same statement; its cron expression, if any.
    rescheduled: bool
    schedule_cron: str | None


def task_transition_with_event(
    *,
    task_id: uuid.UUID,
    to_status: str,
    allowed_from: list[str],
    now: datetime.datetime,
    lease: str,
    clear_dispatch: bool,
    actor: str,
    reason: str,
    provisional_deadline: datetime.datetime | None = None,
    intervals_json: str | None = None,
) -> TransitionOutcome | None:
    """Lock, check and update one task and write its history row; None when its status forbids the move.

    `lease`: "run" starts a run lease of the scheduler's run timeout, "clear" ends the lease,
    "keep" leaves it. With `provisional_deadline`, the task's schedule (if it has one) gets a new
    deadline in the same statement: now + its plugin's interval from `intervals_json` (a JSON object of
    plugin id -> seconds) when the schedule has no cron and the plugin is in it, else `provisional_deadline`.
    """
    reschedule = provisional_deadline is not None
    params: list = [task_id, to_status, now]
    if lease == "run":
        params.append(now)
    params += [allowed_from, now, TaskEvent.Kind.STATUS, actor, reason]
    if reschedule:
        params += [now, intervals_json, provisional_deadline, now]
    with connection.cursor() as cursor:
        _transition_prepared(lease, clear_dispatch, reschedule).execute(cursor, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (task,) = tasks_from_rows([row])
    return TransitionOutcome(task=task, from_status=row[-3], rescheduled=row[-2], schedule_cron=row[-1])
