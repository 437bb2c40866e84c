"""The task store on PostgreSQL: the hot paths as single statements, the cold ones inherited from the ORM store.

A push or a status change is one round trip here instead of a handful: the row and its history row are written
by one statement (data-modifying CTEs), and a conflict is reported as "no row" instead of an exception, so no
savepoint is needed. Every value is a named parameter; only table and column names from the models' own
metadata are put into the SQL text.
"""

import datetime
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from rocky_scheduler.errors import DUPLICATE_QUEUED, DuplicateTask
from rocky_scheduler.models import (
    FINAL_STATUSES,
    ProcessedMessage,
    Schedule,
    ScheduleEvent,
    Scheduler,
    Task,
    TaskEvent,
    TaskStatus,
)
from rocky_scheduler.queue.store import postgresql_bulk, postgresql_claim, postgresql_due
from rocky_scheduler.queue.store.deadlines import REASON_FINISHED, cron_step, grace_period
from rocky_scheduler.queue.store.machine import allowed_from, lease_mode, refusal
from rocky_scheduler.queue.store.orm import OrmTaskStore
from rocky_scheduler.queue.store.postgresql_transition import transition_statement
from rocky_scheduler.queue.store.rows import CREATED_HISTORY_CTE, TASK_FIELDS, columns, db_values, tasks_from_rows
from rocky_scheduler.queue.store.types import (
    ClaimRequest,
    ClaimResult,
    DueRequest,
    InsertOutcome,
    TransitionOutcome,
    TransitionRequest,
)

_SCHEDULE_FIELDS = list(Schedule._meta.concrete_fields)


def _task_param(field: Field) -> str:
    return f"task_{field.attname}"


@cache
def _insert_sql() -> str:
    # Guarantees: the task and its `created` row are written together or not at all; a unique index that
    # refuses the task (same id, same hash queued, same schedule active) writes nothing and reports it; a
    # scheduler with a maxsize writes nothing unless the caller counted the room (`room_checked`).
    # INSERT ... SELECT does not coerce its literals to the columns' types as VALUES would: cast each.
    values = ", ".join(f"%({_task_param(field)})s::{field.db_type(connection)}" for field in TASK_FIELDS)
    return f"""
        WITH bound AS (
            SELECT maxsize FROM {Scheduler._meta.db_table} WHERE id = %(scheduler)s
        ),
        inserted AS (
            INSERT INTO {Task._meta.db_table} ({columns(TASK_FIELDS)})
            SELECT {values} FROM bound WHERE bound.maxsize = 0 OR %(room_checked)s
            ON CONFLICT DO NOTHING
            RETURNING id, created_at, status, priority
        ),
        {CREATED_HISTORY_CTE}
        SELECT EXISTS (SELECT 1 FROM inserted), (SELECT maxsize FROM bound)
    """  # noqa: S608 - names from model metadata; every value is a parameter


@cache
def _schedule_upsert_sql() -> str:
    # Guarantees: at most one schedule per hash (the unique index); the id and interval of the one that exists are
    # returned (no lock taken on it: the caller refreshes a stale interval, rarely).
    values = ", ".join(f"%(schedule_{field.attname})s" for field in _SCHEDULE_FIELDS)
    table = Schedule._meta.db_table
    return f"""
        WITH inserted AS (
            INSERT INTO {table} ({columns(_SCHEDULE_FIELDS)}) VALUES ({values})
            ON CONFLICT (hash) DO NOTHING RETURNING id, "interval"
        )
        SELECT id, "interval" FROM inserted UNION ALL SELECT id, "interval" FROM {table} WHERE hash = %(hash)s LIMIT 1
    """  # noqa: S608 - names from model metadata; every value is a parameter


_PROCESSED_SQL = f"""
    INSERT INTO {ProcessedMessage._meta.db_table} (digest, queue, processed_at)
    VALUES (%(digest)s, %(queue)s, %(now)s)
    ON CONFLICT (digest) DO UPDATE SET queue = EXCLUDED.queue, processed_at = EXCLUDED.processed_at
"""  # noqa: S608 - the table name from model metadata; values are parameters


# Hand-written: compiling the ORM query cost more than running it, and these run for every scheduled task.
_LAST_COMPLETED_SQL = f"""
    SELECT max(modified_at) FROM {Task._meta.db_table}
     WHERE hash = %(hash)s AND scheduler_id = %(scheduler_id)s AND status = %(completed)s
"""  # noqa: S608 - the table name from model metadata; values are parameters

# The last completion and whether the schedule is held off, in one round trip.
_RUN_STATE_SQL = f"""
    SELECT ({_LAST_COMPLETED_SQL}), EXISTS (
        SELECT 1 FROM {Schedule._meta.db_table} s
        WHERE s.hash = %(hash)s AND NOT s.enabled AND (
            s.descheduled_at IS NOT NULL OR COALESCE((
                SELECT e.actor FROM {ScheduleEvent._meta.db_table} e
                WHERE e.schedule_id = s.id AND e.kind = %(disabled)s ORDER BY e.at DESC, e.id DESC LIMIT 1
            ), '') <> %(automatic_actor)s
        )
    )
"""  # noqa: S608 - table names from model metadata; values are parameters


class PostgresqlTaskStore(OrmTaskStore):
    vendor = "postgresql"

    def insert(self, task: Task, *, actor: str, room_checked: bool, reason: str = "") -> InsertOutcome:
        values = {
            _task_param(field): value for field, value in zip(TASK_FIELDS, db_values(task, TASK_FIELDS), strict=True)
        }
        params = {
            **values,
            "scheduler": task.scheduler_id,
            "room_checked": room_checked,
            "kind": TaskEvent.Kind.CREATED.value,
            "actor": actor,
            "reason": reason,
        }
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(), params)
            inserted, maxsize = cursor.fetchone()
        if inserted:
            return InsertOutcome.INSERTED
        if maxsize and not room_checked:
            return InsertOutcome.BOUNDED
        return InsertOutcome.CONFLICT

    def insert_many(self, tasks: Sequence[Task], *, actor: str, room_checked: bool, reason: str = "") -> set[uuid.UUID]:
        if not tasks:
            return set()
        return postgresql_bulk.insert_many(tasks, actor=actor, room_checked=room_checked, reason=reason)

    def queue_due(self, request: DueRequest) -> set[uuid.UUID]:
        return postgresql_due.queue_due(request) if request.tasks else set()

    def upsert_schedules(self, schedules: list[Schedule], *, interval_known: bool = False) -> list[uuid.UUID]:
        if not schedules:
            return []
        found = postgresql_bulk.upsert_schedules(schedules)
        for schedule in schedules:
            if interval_known and found[schedule.hash][1] != (schedule.interval or None):
                self._refresh_interval(schedule)
        return [found[schedule.hash][0] for schedule in schedules]

    def upsert_schedule(self, schedule: Schedule, *, interval_known: bool = False) -> uuid.UUID:
        values = db_values(schedule, _SCHEDULE_FIELDS)
        params = {f"schedule_{field.attname}": value for field, value in zip(_SCHEDULE_FIELDS, values, strict=True)}
        with connection.cursor() as cursor:
            cursor.execute(_schedule_upsert_sql(), {**params, "hash": schedule.hash})
            row = cursor.fetchone()
            if row is None:
                # A concurrent insert of the same hash committed after this statement's snapshot: a new statement
                # sees it.
                cursor.execute(
                    f'SELECT id, "interval" FROM {Schedule._meta.db_table} WHERE hash = %(hash)s',  # noqa: S608
                    {"hash": schedule.hash},
                )
                row = cursor.fetchone()
        schedule_id, interval = row
        if interval_known and interval != (schedule.interval or None):
            self._refresh_interval(schedule)
        return schedule_id

    def claim(self, request: ClaimRequest) -> ClaimResult:
        return postgresql_claim.claim(request)

    def transition(self, request: TransitionRequest) -> TransitionOutcome:
        to_status = request.to_status
        reschedule = to_status in FINAL_STATUSES
        statement = transition_statement(lease_mode(to_status), to_status == TaskStatus.QUEUED, reschedule)
        params = {
            "task_id": request.task_id,
            "to_status": to_status,
            "now": request.now,
            "allowed_from": allowed_from(to_status),
            "kind": TaskEvent.Kind.STATUS.value,
            "actor": request.actor,
            "reason": request.reason,
        }
        if reschedule:
            params |= {
                "grace": grace_period(),
                "deadline_kind": ScheduleEvent.Kind.DEADLINE.value,
                "deadline_reason": REASON_FINISHED.format(task_id=request.task_id, status=to_status),
            }
        try:
            # A transaction (or savepoint) only where a unique index can refuse the move: back into the queue.
            # Elsewhere the statement commits on its own unless the caller holds a transaction: the hot path of
            # every completion, with no BEGIN/COMMIT round trips.
            with transaction.atomic() if to_status == TaskStatus.QUEUED else nullcontext():
                with connection.cursor() as cursor:
                    statement.execute(cursor, params)
                    row = cursor.fetchone()
        except IntegrityError:
            scheduler_id = Task.objects.filter(pk=request.task_id).values_list("scheduler_id", flat=True).first()
            raise DuplicateTask(DUPLICATE_QUEUED.format(scheduler_id=scheduler_id), field="status") from None
        if row is None:
            raise refusal(request.task_id, to_status)
        (task,) = tasks_from_rows([row])
        cron, deadline = row[-2], row[-1]
        if cron:
            # The one follow-up, for cron schedules only: the statement wrote the grace period.
            deadline = cron_step(task=task, cron=cron, provisional=deadline, now=request.now, actor=request.actor)
        return TransitionOutcome(task=task, from_status=row[-3], deadline_at=deadline)

    def last_completed_at(self, *, scheduler_id: str, hash: str) -> datetime.datetime | None:  # noqa: A002
        params = {"hash": hash, "scheduler_id": scheduler_id, "completed": TaskStatus.COMPLETED.value}
        with connection.cursor() as cursor:
            cursor.execute(_LAST_COMPLETED_SQL, params)
            return cursor.fetchone()[0]

    def boefje_run_state(
        self,
        *,
        scheduler_id: str,
        hash: str,  # noqa: A002 - the task field
        automatic_actor: str,
    ) -> tuple[datetime.datetime | None, bool]:
        params = {
            "hash": hash,
            "scheduler_id": scheduler_id,
            "completed": TaskStatus.COMPLETED.value,
            "disabled": ScheduleEvent.Kind.DISABLED.value,
            "automatic_actor": automatic_actor,
        }
        with connection.cursor() as cursor:
            cursor.execute(_RUN_STATE_SQL, params)
            last_run_at, held = cursor.fetchone()
        return last_run_at, bool(held)

    def boefje_run_states(
        self, *, scheduler_id: str, hashes: list[str], automatic_actor: str
    ) -> dict[str, tuple[datetime.datetime | None, bool]]:
        params = {
            "hashes": hashes,
            "scheduler_id": scheduler_id,
            "completed": TaskStatus.COMPLETED.value,
            "disabled": ScheduleEvent.Kind.DISABLED.value,
            "automatic_actor": automatic_actor,
        }
        return postgresql_bulk.run_states(_RUN_STATE_SQL, params) if hashes else {}

    def record_processed_messages(self, messages: list[tuple[str, str]]) -> None:
        if messages:
            postgresql_bulk.record_processed_messages(messages)

    def record_processed_message(self, *, digest: str, queue: str) -> None:
        # One statement instead of update_or_create's select, savepoints and insert: this runs for every message.
        with connection.cursor() as cursor:
            cursor.execute(_PROCESSED_SQL, {"digest": digest, "queue": queue, "now": timezone.now()})
