"""The status change on PostgreSQL as one prepared statement: the task row, its history row and, when work of a
schedule finishes, the schedule's next deadline with its history row. Built per (lease mode, requeue, reschedule)
variant and cached; every value is a named parameter, only table and column names from the models' metadata are
in the SQL text."""

from functools import cache

from rocky_scheduler.models import Schedule, ScheduleEvent, Scheduler, Task, TaskEvent
from rocky_scheduler.queue.prepared import NamedPreparedStatement
from rocky_scheduler.queue.store.machine import LEASE_CLEAR, LEASE_RUN
from rocky_scheduler.queue.store.rows import task_columns

_TRANSITION_TYPES = {
    "task_id": "uuid",
    "to_status": "text",
    "now": "timestamptz",
    "allowed_from": "text[]",
    "kind": "text",
    "actor": "text",
    "reason": "text",
    "grace": "interval",
    "deadline_kind": "text",
    "deadline_reason": "text",
}


@cache
def transition_statement(lease: str, clear_dispatch: bool, reschedule: bool) -> NamedPreparedStatement:
    # Guarantees: the row is locked, its status checked against `allowed_from` and changed, and the history row
    # written, in one statement; a status that forbids the move changes nothing and returns no row. Finishing
    # work of a schedule gives the schedule its next deadline and the DEADLINE history row in the same statement,
    # so no crash can leave it without one, from the schedule's own columns: now + its interval, or now + the
    # grace period without one (deadlines.next_deadline is the same rule). A cron schedule gets the grace period
    # here and its next cron time from deadlines.cron_step right after: cron needs croniter.
    task_table, schedule_table = Task._meta.db_table, Schedule._meta.db_table
    assignments = ["status = %(to_status)s", "modified_at = %(now)s"]
    if lease == LEASE_RUN:
        timeout = f"(SELECT s.run_timeout_seconds FROM {Scheduler._meta.db_table} AS s WHERE s.id = t.scheduler_id)"  # noqa: S608
        assignments.append(f"lease_expires_at = %(now)s + {timeout} * interval '1 second'")
    elif lease == LEASE_CLEAR:
        assignments += ["lease_expires_at = NULL", "lease_owner = ''"]
    if clear_dispatch:
        assignments.append("dispatched_at = NULL")
    rescheduled, tail = "", "SELECT changed.*, NULL, NULL FROM changed"
    if reschedule:
        # `before` locks the schedule row and reads its deadline as it is (the latest committed one), for the
        # history row's "from": UPDATE ... RETURNING only sees the new values.
        rescheduled = f""",
        before AS (
            SELECT s.id, s.deadline_at FROM {schedule_table} AS s JOIN changed ON s.id = changed.schedule_id
               FOR UPDATE OF s
        ),
        rescheduled AS (
            UPDATE {schedule_table} AS s
               SET deadline_at = %(now)s + CASE WHEN COALESCE(s.schedule, '') = ''
                                                THEN COALESCE(s."interval", %(grace)s)
                                                ELSE %(grace)s END,
                   modified_at = %(now)s
              FROM before
             WHERE s.id = before.id
         RETURNING s.id, s.schedule, s.deadline_at, before.deadline_at AS deadline_from
        ),
        deadline_history AS (
            INSERT INTO {ScheduleEvent._meta.db_table}
                   (schedule_id, at, kind, actor, reason, deadline_from, deadline_to)
            SELECT id, %(now)s, %(deadline_kind)s, %(actor)s, %(deadline_reason)s, deadline_from, deadline_at
              FROM rescheduled
        )"""  # noqa: S608 - names from model metadata; every value is a parameter
        tail = (
            "SELECT changed.*, rescheduled.schedule, rescheduled.deadline_at FROM changed LEFT JOIN rescheduled ON true"
        )
    sql = f"""
        WITH current AS (
            SELECT id, status FROM {task_table} WHERE id = %(task_id)s FOR UPDATE
        ),
        changed AS (
            UPDATE {task_table} AS t SET {", ".join(assignments)}
              FROM current
             WHERE t.id = current.id AND current.status = ANY(%(allowed_from)s)
         RETURNING {task_columns("t")}, current.status AS previous_status
        ),
        history AS (
            INSERT INTO {TaskEvent._meta.db_table} (task_id, at, kind, from_status, to_status, actor, reason)
            SELECT id, %(now)s, %(kind)s, previous_status, status, %(actor)s, %(reason)s FROM changed
        ){rescheduled}
        {tail}
    """  # noqa: S608 - names from model metadata; every value is a parameter
    suffix = ("_requeue" if clear_dispatch else "") + ("_reschedule" if reschedule else "")
    return NamedPreparedStatement(f"rocky_scheduler_transition_{lease}{suffix}", sql, _TRANSITION_TYPES)
