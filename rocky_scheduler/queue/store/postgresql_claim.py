"""The pop claim on PostgreSQL: move the best queued tasks to `dispatched` in one atomic statement.

One statement locks the best matching queued rows with FOR UPDATE SKIP LOCKED, updates them and writes their
history rows, so concurrent poppers in any number of processes never get the same task and never wait on each
other.

Deduplication groups (DESIGN.md "HTTP API"): when the best task carries a deduplication key, the claim takes the
queued tasks that share it (up to `limit`) and nothing else; when it has none, the next best tasks without a key.
A group is claimed whole while others pop: a popper must hold the key's transaction-level advisory lock to take
any member, and one that cannot get it passes the whole group by (the holder is claiming it).

The scheduler's `paused` flag is read by the statement itself, so a pause binds the very next pop in every
process, without a cache to wait for. Every value is a named parameter; only table and column names from the
models' metadata and status constants are in the SQL text.
"""

import re
from functools import cache, lru_cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection

from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.prepared import NamedPreparedStatement
from rocky_scheduler.queue.store.orm_claim import paused
from rocky_scheduler.queue.store.rows import task_columns, tasks_from_rows
from rocky_scheduler.queue.store.types import ClaimRequest, ClaimResult

# First key of the two-part advisory locks on deduplication keys (the second is the key's hash), so they
# cannot meet another application's locks in the same database by chance.
DEDUP_LOCK_SPACE = 0x5C4ED


# Parameter types of the prepared statements, by name.
_TYPES = {
    "scheduler_id": "text",
    "candidates": "uuid[]",
    "limit": "integer",
    "now": "timestamptz",
    "owner": "text",
    "lease_expires_at": "timestamptz",
}


def claim(request: ClaimRequest) -> ClaimResult:
    """Dispatch up to `limit` of the best matching queued tasks (or the best task's group); best first."""
    if request.limit < 1 or (request.candidate_ids is not None and not request.candidate_ids):
        return ClaimResult(tasks=[])
    values: dict[str, Any] = {
        "scheduler_id": request.scheduler_id,
        "limit": request.limit,
        "now": request.now,
        "owner": request.owner,
        "lease_expires_at": request.lease_expires_at,
    }
    with connection.cursor() as cursor:
        if request.filters is None:
            # The hot path (every unfiltered pop): a fixed, prepared statement, nothing for the ORM to compile.
            kind = "candidates" if request.candidate_ids is not None else "queue"
            if request.candidate_ids is not None:
                values["candidates"] = list(request.candidate_ids)
            _claim_prepared(kind, request.groups).execute(cursor, values)
        else:
            try:
                where, filter_values = _filter_where(request)
            except EmptyResultSet:
                # The filters can match nothing (e.g. `in []`): Django refuses to write such SQL.
                return ClaimResult(tasks=[], paused=paused(request.scheduler_id))
            # Group members must match the filters too: a worker gets only work it asked for.
            cursor.execute(_claim_sql(where, where, _ORDER, request.groups), {**values, **filter_values})
        rows = cursor.fetchall()
    was_paused = bool(rows) and bool(rows[0][-1])
    return ClaimResult(tasks=tasks_from_rows([row for row in rows if row[0] is not None]), paused=was_paused)


_TABLE = Task._meta.db_table
_QUEUED = f"{_TABLE}.status = '{TaskStatus.QUEUED.value}' AND {_TABLE}.scheduler_id = %(scheduler_id)s"
_ORDER = f"{_TABLE}.priority, {_TABLE}.created_at"
_WHERE = {
    "queue": _QUEUED,
    "candidates": f"{_TABLE}.id = ANY(%(candidates)s::uuid[]) AND {_QUEUED}",
}
_ORDERS = {
    # `priority + 0`: sorting the few candidates found by primary key is cheap, while letting the planner walk the
    # queue index in order to meet them (it did on small queues) read the whole queue when other processes had
    # taken them all.
    "candidates": f"{_TABLE}.priority + 0, {_TABLE}.created_at",
    "queue": _ORDER,
}


@cache
def _claim_prepared(kind: str, groups: bool) -> NamedPreparedStatement:
    # A group is looked up in the whole queue: its other members need not be among the candidates.
    sql = _claim_sql(_WHERE[kind], _QUEUED, _ORDERS[kind], groups)
    suffix = "" if groups else "_keyless"
    return NamedPreparedStatement(f"rocky_scheduler_claim_{kind}{suffix}", sql, _TYPES)


def _filter_where(request: ClaimRequest) -> tuple[str, dict]:
    """The filters as a WHERE fragment on the unaliased task table, with named parameters (it is used twice)."""
    queryset = Task.objects.filter(request.filters)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = queryset.query.where.as_sql(compiler, connection)
    counter = iter(range(len(params)))
    # Each positional `%s` of Django's SQL becomes a named parameter, so the fragment can appear twice.
    named = re.sub(
        r"%%|%s", lambda match: match.group(0) if match.group(0) == "%%" else f"%(filter_{next(counter)})s", sql
    )
    values = {f"filter_{index}": value for index, value in enumerate(params)}
    return f"{_QUEUED} AND ({named})", values


@lru_cache(maxsize=64)
def _claim_sql(where: str, group_where: str, order: str, groups: bool) -> str:
    """Lock the best row (`best`), then its group or the next best keyless rows; update, record, report pause.

    `grouped` and `rest` read `best` through scalar subqueries, evaluated once before their scan: as joins, the
    planner may walk the whole queue and test each row against `best` (it did, on a table without statistics).

    `where` selects the claimable rows of the unaliased task table (scheduler, status, candidates or filters),
    `group_where` where the best row's group may be found.
    """
    task_table, event_table = _TABLE, TaskEvent._meta.db_table
    scheduler_table = Scheduler._meta.db_table
    key = f"{task_table}.deduplication_key"
    # Taking a keyed row needs its group's advisory lock: a popper that cannot get it passes the group by.
    claimable = (
        f"({key} IS NULL OR pg_try_advisory_xact_lock({DEDUP_LOCK_SPACE}, hashtext({key}::text)))"
        if groups
        else f"{key} IS NULL"
    )
    not_paused = f"NOT EXISTS (SELECT 1 FROM {scheduler_table} AS s WHERE s.id = %(scheduler_id)s AND s.paused)"  # noqa: S608
    dispatched, queued = TaskStatus.DISPATCHED.value, TaskStatus.QUEUED.value
    return f"""
        WITH best AS MATERIALIZED (
            SELECT {task_table}.id, {key} AS deduplication_key FROM {task_table}
             WHERE {where} AND {claimable} AND {not_paused}
             ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED
        ),
        grouped AS MATERIALIZED (
            SELECT {task_table}.id FROM {task_table}
             WHERE {group_where} AND {key} = (SELECT deduplication_key FROM best)
             ORDER BY {_ORDER} LIMIT %(limit)s FOR UPDATE SKIP LOCKED
        ),
        rest AS MATERIALIZED (
            SELECT {task_table}.id FROM {task_table}
             WHERE (SELECT deduplication_key IS NULL FROM best) AND {where} AND {key} IS NULL
               AND {task_table}.id <> (SELECT id FROM best)
             ORDER BY {order} LIMIT %(limit)s - 1 FOR UPDATE SKIP LOCKED
        ),
        picked AS (
            SELECT id FROM best WHERE deduplication_key IS NULL
            UNION ALL SELECT id FROM grouped
            UNION ALL SELECT id FROM rest
        ),
        claimed AS (
            UPDATE {task_table} AS t
               SET status = '{dispatched}', dispatched_at = %(now)s, modified_at = %(now)s,
                   lease_owner = %(owner)s, lease_expires_at = %(lease_expires_at)s
              FROM picked
             WHERE t.id = picked.id
         RETURNING {task_columns("t")}
        ),
        history AS (
            INSERT INTO {event_table} (task_id, at, kind, from_status, to_status, actor, reason)
            SELECT id, %(now)s, '{TaskEvent.Kind.STATUS.value}', '{queued}', '{dispatched}', %(owner)s, '' FROM claimed
        )
        SELECT claimed.*, s.paused
          FROM (SELECT paused FROM {scheduler_table} WHERE id = %(scheduler_id)s) AS s
          LEFT JOIN claimed ON true
         ORDER BY claimed.priority, claimed.created_at
    """  # noqa: S608 - names from model metadata, status constants and ORM-compiled SQL; values are parameters
