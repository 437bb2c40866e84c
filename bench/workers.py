"""Drain workers, each run in its own spawned OS process (own interpreter, Django, connection, heap cache).

Two implementations do the same job so they can be compared in one run: `core` pops through
rocky_scheduler.services (heap cache + claim CTE + history) and completes with task_transition;
`raw` is the single-statement FOR UPDATE SKIP LOCKED claim plus a plain UPDATE, via psycopg2.
"""

import os
import time
from dataclasses import dataclass, field
from typing import Any

# The baseline: the cheapest correct claim PostgreSQL offers, one statement per pop.
RAW_CLAIM_SQL = """
    UPDATE rocky_scheduler_task
       SET status = 'dispatched', dispatched_at = now(), modified_at = now(), lease_owner = %s,
           lease_expires_at = now() + interval '300 seconds'
     WHERE id = (
            SELECT id FROM rocky_scheduler_task
             WHERE scheduler_id = 'boefje' AND status = 'queued'
             ORDER BY priority, created_at
             LIMIT 1
               FOR UPDATE SKIP LOCKED
           )
    RETURNING id
"""
RAW_COMPLETE_SQL = """
    UPDATE rocky_scheduler_task
       SET status = 'completed', modified_at = now(), lease_owner = '', lease_expires_at = NULL
     WHERE id = %s
"""


@dataclass
class DrainJob:
    implementation: str  # "core" or "raw"
    name: str
    dsn: str
    target: int
    deadline_seconds: float


@dataclass
class DrainResult:
    name: str
    ids: list[str] = field(default_factory=list)
    empty_pops: int = 0
    ended_at: float = 0.0
    error: str = ""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()


def drain(job: DrainJob, counter: Any, start: Any, results: Any) -> None:
    """Process entry point: get ready, wait for the common start, then pop-and-complete until done."""
    result = DrainResult(name=job.name)
    try:
        pop_one, complete = _core_ops(job) if job.implementation == "core" else _raw_ops(job)
        # Connections are open and code is imported before the clock starts: we time the queue, not start-up.
        start.wait()
        deadline = time.monotonic() + job.deadline_seconds
        while time.monotonic() < deadline:
            # Reserve a slot first so all processes together take exactly `target` tasks.
            with counter.get_lock():
                if counter.value >= job.target:
                    break
                counter.value += 1
            task_id = pop_one()
            if task_id is None:
                with counter.get_lock():
                    counter.value -= 1
                result.empty_pops += 1
                continue
            complete(task_id)
            result.ids.append(str(task_id))
    except Exception as error:  # reported to the parent, which fails the scenario loudly
        import traceback

        result.error = f"{error!r}\n{traceback.format_exc()}"
    result.ended_at = time.monotonic()
    results.put(result)


def _core_ops(job: DrainJob):
    _setup_django()
    from django.db import connection

    from rocky_scheduler.services import task_pop, task_transition

    connection.ensure_connection()

    def pop_one():
        tasks = task_pop(scheduler_id="boefje", limit=1, worker=job.name)
        return tasks[0].id if tasks else None

    def complete(task_id) -> None:
        task_transition(task_id=task_id, status="completed", actor=job.name)

    return pop_one, complete


def _raw_ops(job: DrainJob):
    import psycopg2

    connection = psycopg2.connect(job.dsn)
    # Each statement is its own transaction, as the core's claim is.
    connection.autocommit = True
    cursor = connection.cursor()

    def pop_one():
        cursor.execute(RAW_CLAIM_SQL, (job.name,))
        row = cursor.fetchone()
        return row[0] if row else None

    def complete(task_id) -> None:
        cursor.execute(RAW_COMPLETE_SQL, (task_id,))

    return pop_one, complete
