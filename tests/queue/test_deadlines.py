"""One deadline rule (issue 15 point 3): finishing work of a schedule sets its next deadline from the schedule's own
columns (cron, else its plugin's interval, else the grace period), with a DEADLINE history row, in both task stores.

The PostgreSQL store's finishing statement mirrors deadlines.next_deadline in SQL; the ORM store (SQLite's, run here
on the PostgreSQL test database) calls it. Both must give the same deadline.
"""

import ast
import datetime
import re
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import rocky_scheduler
from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Schedule, ScheduleEvent, Scheduler, Task, TaskStatus
from rocky_scheduler.queue.store import OrmTaskStore, PostgresqlTaskStore, TransitionRequest
from rocky_scheduler.queue.store.deadlines import grace_period, next_deadline, plugin_interval_refresh
from rocky_scheduler.services import task_expire_leases, task_transition
from tests.factories import TaskFactory, boefje_data

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
CRON = "0 3 * * *"
# The ORM store runs on any database; the PostgreSQL store only there (on SQLite these compare the ORM store with
# the rule alone).
STORES = {"postgresql": PostgresqlTaskStore(), "orm": OrmTaskStore()}
if connection.vendor != "postgresql":
    del STORES["postgresql"]
VENDOR_STORE = next(iter(STORES))


def scheduled_task(
    *,
    interval: datetime.timedelta | None = None,
    cron: str | None = None,
    status: str = TaskStatus.RUNNING,
    plugin_id: str = "dns-records",
) -> Task:
    """A task of a boefje schedule that carries `interval` and `cron`, its deadline cleared as when queued."""
    data = boefje_data(boefje_id=plugin_id)
    schedule = Schedule.objects.create(
        scheduler_id="boefje",
        organisation="acme",
        hash=digest(f"{data['input_ooi']}-{plugin_id}-acme"),
        data=data,
        interval=interval,
        schedule=cron,
    )
    task_id = uuid.uuid4()
    return TaskFactory(
        id=task_id, schedule=schedule, status=status, hash=schedule.hash, data={**data, "id": str(task_id)}
    )


def finish(store_name: str, task: Task, now: datetime.datetime, status: str = TaskStatus.COMPLETED):
    request = TransitionRequest(task_id=task.pk, to_status=status, now=now, actor="worker", reason="")
    return STORES[store_name].transition(request)


@pytest.mark.parametrize(
    ("interval", "cron"), [(HOUR, None), (None, None), (HOUR, CRON)], ids=["interval", "no-interval", "cron"]
)
def test_both_stores_give_the_same_next_deadline(interval, cron):
    now = timezone.now()
    expected = next_deadline(interval=interval, cron=cron, now=now)
    deadlines = {}
    for name in STORES:
        task = scheduled_task(interval=interval, cron=cron)
        outcome = finish(name, task, now)
        schedule = Schedule.objects.get(pk=task.schedule_id)
        deadlines[name] = schedule.deadline_at
        assert outcome.deadline_at == schedule.deadline_at, name
        # The last history row says where the deadline went and why; the PostgreSQL store writes the grace
        # period first for a cron schedule (its statement cannot compute cron), then the cron step.
        event = schedule.events.filter(kind=ScheduleEvent.Kind.DEADLINE).last()
        assert (event.deadline_to, event.actor) == (schedule.deadline_at, "worker"), name
        assert f"task {task.pk} completed" in event.reason, name
    assert deadlines == dict.fromkeys(STORES, expected)
    if cron is None:
        assert expected == now + (interval or grace_period())


def test_a_finished_task_moves_its_schedule_by_the_plugin_interval_with_a_deadline_event():
    now = timezone.now()
    task = scheduled_task(interval=datetime.timedelta(minutes=90))
    task_transition(task_id=task.pk, status=TaskStatus.FAILED, actor="worker", clock=lambda: now)
    schedule = Schedule.objects.get(pk=task.schedule_id)
    assert schedule.deadline_at == now + datetime.timedelta(minutes=90)
    [event] = schedule.events.filter(kind=ScheduleEvent.Kind.DEADLINE)
    assert (event.deadline_from, event.deadline_to, event.at) == (None, schedule.deadline_at, now)
    assert event.reason == f"task {task.pk} failed"


@pytest.mark.postgresql_only(reason="it counts the PostgreSQL store's finishing statement; the ORM store takes several")
def test_finishing_a_task_without_cron_is_one_statement_on_postgresql():
    # The hot path of every worker completion: status, history, next deadline and its history in one round trip.
    now = timezone.now()
    finish("postgresql", scheduled_task(interval=HOUR), now)  # prepares the statement in this session
    task = scheduled_task(interval=HOUR)
    with CaptureQueriesContext(connection) as queries:
        finish("postgresql", task, now)
    assert len(queries.captured_queries) == 1, [query["sql"] for query in queries.captured_queries]


def test_a_task_without_schedule_writes_no_deadline():
    task = TaskFactory(status=TaskStatus.RUNNING)
    for name in STORES:
        assert finish(name, task, timezone.now()).deadline_at is None
        Task.objects.filter(pk=task.pk).update(status=TaskStatus.RUNNING)
    assert not ScheduleEvent.objects.exists()


def test_lease_expiry_that_fails_a_task_uses_the_same_rule():
    Scheduler.objects.filter(pk="boefje").update(requeue_on_run_timeout=False)
    now = timezone.now()
    task = scheduled_task(interval=HOUR)
    Task.objects.filter(pk=task.pk).update(lease_expires_at=now - datetime.timedelta(seconds=1))
    assert task_expire_leases(clock=lambda: now).failed == 1
    schedule = Schedule.objects.get(pk=task.schedule_id)
    assert schedule.deadline_at == next_deadline(interval=HOUR, cron=None, now=now)
    [event] = schedule.events.filter(kind=ScheduleEvent.Kind.DEADLINE)
    assert (event.actor, event.deadline_to) == ("system:lease-expiry", schedule.deadline_at)


def test_a_schedule_without_interval_gets_the_grace_period():
    now = timezone.now()
    task = scheduled_task(interval=None)
    task_transition(task_id=task.pk, status=TaskStatus.COMPLETED, clock=lambda: now)
    assert Schedule.objects.get(pk=task.schedule_id).deadline_at == now + grace_period()


def test_a_plugin_interval_change_updates_its_schedules_in_one_update_and_the_next_finish_uses_it():
    now = timezone.now()
    waiting = [scheduled_task(interval=HOUR) for _ in range(3)]
    for task in waiting:
        finish(VENDOR_STORE, task, now)
    active = scheduled_task(interval=HOUR)
    with_cron = scheduled_task(interval=HOUR, cron=CRON)
    other_plugin = scheduled_task(interval=HOUR, plugin_id="nmap")

    with CaptureQueriesContext(connection) as queries:
        changed = plugin_interval_refresh(plugin_id="dns-records", interval=2 * HOUR, now=now)
    assert changed == 5
    updates = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
    assert len(updates) == 1, updates

    for task in waiting:
        schedule = Schedule.objects.get(pk=task.schedule_id)
        # The last finish stays the starting point: now + 1 hour became now + 2 hours.
        assert (schedule.interval, schedule.deadline_at) == (2 * HOUR, now + 2 * HOUR)
        event = schedule.events.filter(kind=ScheduleEvent.Kind.DEADLINE).last()
        assert (event.deadline_from, event.deadline_to) == (now + HOUR, now + 2 * HOUR)
        assert "interval changed" in event.reason
    for task in (active, with_cron):
        schedule = Schedule.objects.get(pk=task.schedule_id)
        assert (schedule.interval, schedule.deadline_at) == (2 * HOUR, None)
    assert Schedule.objects.get(pk=other_plugin.schedule_id).interval == HOUR

    later = now + datetime.timedelta(minutes=5)
    assert finish("orm", active, later).deadline_at == later + 2 * HOUR
    # Nothing differs any more: nothing is written.
    assert plugin_interval_refresh(plugin_id="dns-records", interval=2 * HOUR, now=now) == 0


WRITES = {"create", "bulk_create", "update", "bulk_update", "update_or_create", "get_or_create"}
SQL_DEADLINE_WRITE = re.compile(r"SET\s+(\w+\.)?\"?deadline_at", re.IGNORECASE)


def deadline_writes(source: str, filename: str) -> list[str]:
    """Writes of Schedule.deadline_at in `source`: ORM writes naming it, assignments to it, SQL that sets it."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and any(keyword.arg == "deadline_at" for keyword in node.keywords):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in WRITES or name == "Schedule":
                found.append(f"{filename}:{node.lineno}: {name}(deadline_at=...)")
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(target, ast.Attribute) and target.attr == "deadline_at" for target in targets):
                found.append(f"{filename}:{node.lineno}: .deadline_at = ...")
    found += [f"{filename}: SQL {match.group(0)!r}" for match in SQL_DEADLINE_WRITE.finditer(source)]
    return found


def test_only_the_store_writes_schedule_deadlines():
    # Every deadline change must leave its DEADLINE history row: queue/store/deadlines.py and the PostgreSQL
    # store's finishing statement write both; a second writer would change deadlines without history.
    app = Path(rocky_scheduler.__file__).parent
    store = app / "queue" / "store"
    offenders = []
    for path in sorted(app.rglob("*.py")):
        if store not in path.parents and "migrations" not in path.parts:
            offenders += deadline_writes(path.read_text(), str(path.relative_to(app)))
    assert offenders == [], "Schedule.deadline_at written outside rocky_scheduler/queue/store:\n" + "\n".join(offenders)
    in_store = "\n".join(
        line for path in sorted(store.glob("*.py")) for line in deadline_writes(path.read_text(), path.name)
    )
    for expected in ("update(deadline_at=...)", "SQL 'SET deadline_at"):
        assert expected in in_store, (expected, in_store)


def test_each_kind_of_deadline_writer_is_caught():
    source = """
def sneak(schedule):
    Schedule.objects.filter(pk=schedule.pk).update(deadline_at=None)
    Schedule(hash="x", deadline_at=None)
    schedule.deadline_at = None
    sql = "UPDATE schedule SET deadline_at = NULL"
"""
    assert len(deadline_writes(source, "sneak.py")) == 4
