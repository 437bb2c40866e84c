"""The pop claim: move the best queued tasks to `dispatched` in one atomic statement.

PostgreSQL: one statement locks the best matching queued rows with FOR UPDATE SKIP LOCKED,
updates them and writes their history rows, so concurrent poppers in any number of processes
never get the same task and never wait on each other. Elsewhere (SQLite, whose writers are
serialised by the IMMEDIATE transaction) a conditional UPDATE ... WHERE status = 'queued'
per candidate, checking the row count, gives the same guarantee.
"""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q

from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.prepared import PreparedStatement
from rocky_scheduler.queue.statements import is_postgresql, task_columns, tasks_from_rows

QUEUE_ORDER = ("priority", "created_at")


@dataclass(frozen=True)
class ClaimRequest:
    scheduler_id: str
    limit: int
    now: datetime.datetime
    lease_expires_at: datetime.datetime
    owner: str
    # Restrict the claim to these ids (the heap cache's candidates); None: the whole queue.
    candidate_ids: Sequence[uuid.UUID] | None = None
    # ORM filters on task columns and `data` paths (already parsed from an allow-list).
    filters: Q | None = None


def _candidates_queryset(request: ClaimRequest):
    queryset = Task.objects.filter(scheduler_id=request.scheduler_id, status=TaskStatus.QUEUED)
    if request.candidate_ids is not None:
        queryset = queryset.filter(id__in=list(request.candidate_ids))
    if request.filters is not None:
        queryset = queryset.filter(request.filters)
    return queryset.order_by(*QUEUE_ORDER)


def claim_tasks(request: ClaimRequest) -> list[Task]:
    """Dispatch up to `limit` of the best matching queued tasks; best first."""
    if request.limit < 1 or (request.candidate_ids is not None and not request.candidate_ids):
        return []
    if is_postgresql():
        return _claim_postgresql(request)
    return _claim_generic(request)


def _claim_postgresql(request: ClaimRequest) -> list[Task]:
    if request.filters is None:
        # The hot path (every unfiltered pop): a fixed, prepared statement, nothing for the ORM to compile.
        if request.candidate_ids is not None:
            statement = _claim_prepared("candidates")
            picked_params = [list(request.candidate_ids), request.scheduler_id, request.limit]
        else:
            statement, picked_params = _claim_prepared("queue"), [request.scheduler_id, request.limit]
        execute = statement.execute
    else:
        inner = _candidates_queryset(request).values("id")[: request.limit]
        try:
            inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
        except EmptyResultSet:
            # The filters can match nothing (e.g. `in []`): Django refuses to write such SQL.
            return []
        picked_params = list(inner_params)

        def execute(cursor, params) -> None:
            cursor.execute(_claim_statement(inner_sql), params)

    params = (
        *picked_params,
        TaskStatus.DISPATCHED,
        request.now,
        request.now,
        request.owner,
        request.lease_expires_at,
        request.now,
        TaskEvent.Kind.STATUS,
        TaskStatus.QUEUED,
        TaskStatus.DISPATCHED,
        request.owner,
    )
    with connection.cursor() as cursor:
        execute(cursor, params)
        return tasks_from_rows(cursor.fetchall())


# Parameter types of _claim_statement's own placeholders, after those of the picked ids.
_CLAIM_TYPES = (
    "text",
    "timestamptz",
    "timestamptz",
    "text",
    "timestamptz",
    "timestamptz",
    "text",
    "text",
    "text",
    "text",
)
_PICKED_TYPES = {"candidates": ("uuid[]", "text", "integer"), "queue": ("text", "integer")}


@cache
def _claim_prepared(kind: str) -> PreparedStatement:
    return PreparedStatement(f"rocky_scheduler_claim_{kind}", _claim_sql(kind), _PICKED_TYPES[kind] + _CLAIM_TYPES)


@cache
def _claim_sql(kind: str) -> str:
    table = Task._meta.db_table
    queued = TaskStatus.QUEUED.value
    if kind == "candidates":
        # `priority + 0`: sorting the few candidates found by primary key is cheap, while letting the planner
        # walk the queue index in order to meet them (it did on small queues) read the whole queue when other
        # processes had taken them all.
        picked = f"""
            SELECT id FROM {table}
             WHERE id = ANY(%s::uuid[]) AND scheduler_id = %s AND status = '{queued}'
             ORDER BY priority + 0, created_at LIMIT %s
        """  # noqa: S608 - names from model metadata and a status constant; values are parameters
    else:
        picked = f"""
            SELECT id FROM {table} WHERE scheduler_id = %s AND status = '{queued}'
             ORDER BY priority, created_at LIMIT %s
        """  # noqa: S608 - names from model metadata and a status constant; values are parameters
    return _claim_statement(picked)


def _claim_statement(picked_sql: str) -> str:
    """The claim around `picked_sql` (the ids to take, best first, with a LIMIT): lock, update, record."""
    task_table = Task._meta.db_table
    event_table = TaskEvent._meta.db_table
    return f"""
        WITH picked AS MATERIALIZED ({picked_sql} FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE {task_table} AS t
               SET status = %s, dispatched_at = %s, modified_at = %s, lease_owner = %s, lease_expires_at = %s
              FROM picked
             WHERE t.id = picked.id
         RETURNING {task_columns("t")}
        ),
        history AS (
            INSERT INTO {event_table} (task_id, at, kind, from_status, to_status, actor, reason)
            SELECT id, %s, %s, %s, %s, %s, '' FROM claimed
        )
        SELECT * FROM claimed ORDER BY priority, created_at
    """  # noqa: S608 - only table names and ORM-compiled SQL are interpolated; values are parameters


def _claim_generic(request: ClaimRequest) -> list[Task]:
    with transaction.atomic():
        ids = list(_candidates_queryset(request).values_list("id", flat=True)[: request.limit])
        claimed: list[uuid.UUID] = []
        for task_id in ids:
            won = Task.objects.filter(id=task_id, status=TaskStatus.QUEUED).update(
                status=TaskStatus.DISPATCHED,
                dispatched_at=request.now,
                modified_at=request.now,
                lease_owner=request.owner,
                lease_expires_at=request.lease_expires_at,
            )
            if won:
                claimed.append(task_id)
        TaskEvent.objects.bulk_create(
            TaskEvent(
                task_id=task_id,
                at=request.now,
                kind=TaskEvent.Kind.STATUS,
                from_status=TaskStatus.QUEUED,
                to_status=TaskStatus.DISPATCHED,
                actor=request.owner,
            )
            for task_id in claimed
        )
        return list(Task.objects.filter(id__in=claimed).order_by(*QUEUE_ORDER))
