"""The maintained task counts (models/counts.py, migration 0018, services/task_counts.py, count_reads.py) equal a
direct count of the task table and its history after every kind of write, before and after a fold."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncHour, TruncMinute
from django.utils import timezone

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope
from rocky_scheduler.count_reads import summed_counts
from rocky_scheduler.dashboard import selectors as dashboard_selectors
from rocky_scheduler.dashboard.selectors import dashboard_snapshot
from rocky_scheduler.models import Task, TaskCount, TaskCountDelta, TaskCountKind, TaskEvent, TaskStatus
from rocky_scheduler.selectors import task_stats
from rocky_scheduler.services import task_cancel, task_pop, task_push, task_set_priority, task_transition
from rocky_scheduler.services.housekeeping import housekeeping_run
from rocky_scheduler.services.task_counts import FOLD_LOCK, fold
from tests.factories import boefje_data, normalizer_data

pytestmark = pytest.mark.postgresql_only(reason="the counts are kept by PostgreSQL triggers; SQLite counts directly")


def direct_state() -> Counter:
    rows = Task.objects.values_list("scheduler_id", "organisation", "status").annotate(n=Count("*")).order_by()
    return Counter({tuple(key): n for *key, n in rows})


def direct_hours() -> Counter:
    since = timezone.now() - datetime.timedelta(hours=24)
    rows = (
        Task.objects.filter(modified_at__gte=since)
        .annotate(hour=TruncHour("modified_at", tzinfo=datetime.UTC))
        .values_list("scheduler_id", "organisation", "status", "hour")
        .annotate(n=Count("*"))
        .order_by()
    )
    return Counter({tuple(key): n for *key, n in rows})


def direct_throughput() -> Counter:
    since = timezone.now() - datetime.timedelta(hours=24)
    events = TaskEvent.objects.filter(at__gte=since).annotate(
        minute=TruncMinute("at", tzinfo=datetime.UTC), scheduler_id=F("task__scheduler_id")
    )
    found: Counter = Counter()
    for kind, condition in (
        ("created", Q(kind="created")),
        ("dispatched", Q(kind__in=["created", "status"], to_status="dispatched")),
    ):
        rows = (
            events.filter(condition)
            .values_list("scheduler_id", "task__organisation", "minute")
            .annotate(n=Count("*"))
            .order_by()
        )
        for scheduler_id, organisation, minute, n in rows:
            found[kind, scheduler_id, organisation, minute] = n
    return found


def counted(kind: TaskCountKind, columns: list[str], *, since: datetime.datetime | None = None) -> Counter:
    rows = summed_counts([kind], columns, scope=EVERY_ORGANISATION, since=since)
    return Counter({tuple(key): n for *key, n in rows})


def assert_counts_exact() -> None:
    since = timezone.now() - datetime.timedelta(hours=24)
    assert counted(TaskCountKind.STATE, ["scheduler_id", "organisation", "status"]) == direct_state()
    assert counted(TaskCountKind.HOUR, ["scheduler_id", "organisation", "status", "bucket"], since=since) == (
        direct_hours()
    )
    throughput = Counter()
    for kind in (TaskCountKind.CREATED, TaskCountKind.DISPATCHED):
        for key, n in counted(kind, ["scheduler_id", "organisation", "bucket"], since=since).items():
            throughput[(kind.value, *key)] = n
    assert throughput == direct_throughput()


def push(organisation: str = "acme", *, scheduler_id: str = "boefje", at: datetime.datetime | None = None) -> Task:
    data = (
        boefje_data(organisation=organisation)
        if scheduler_id == "boefje"
        else normalizer_data(organisation=organisation)
    )
    clock = {"clock": (lambda: at)} if at else {}
    return task_push(scheduler_id=scheduler_id, organisation=organisation, data=data, priority=5, **clock)


def busy_queue() -> list[Task]:
    """Pushes over two schedulers and three organisations, pops, a run to each end, a cancel, a re-prioritised
    task, and a task pushed an hour ago."""
    now = timezone.now()
    tasks = [push(organisation) for organisation in ("acme", "acme", "globex", "initech", "globex")]
    tasks += [push("acme", scheduler_id="normalizer"), push("globex", at=now - datetime.timedelta(hours=1))]
    popped = task_pop(scheduler_id="boefje", limit=3, worker="runner-1")
    task_transition(task_id=popped[0].id, status="running", actor="runner-1")
    task_transition(task_id=popped[0].id, status="completed", actor="runner-1")
    task_transition(task_id=popped[1].id, status="failed", actor="runner-1", reason="crashed")
    task_cancel(task_id=tasks[-2].id)
    queued = Task.objects.filter(status=TaskStatus.QUEUED).first()
    task_set_priority(task_id=queued.id, priority=2)
    return tasks


@pytest.mark.django_db
def test_counts_equal_a_direct_count_after_pushes_pops_changes_and_a_fold():
    busy_queue()
    assert TaskCountDelta.objects.exists()
    assert_counts_exact()  # read before any fold: the deltas are added

    result = fold()

    assert result.folded and result.deltas > 0
    assert not TaskCountDelta.objects.exists()
    assert_counts_exact()
    push("hooli")  # after a fold: counts plus the new deltas
    assert_counts_exact()


@pytest.mark.django_db
def test_housekeeping_deletes_take_tasks_and_their_history_off_the_counts():
    busy_queue()
    fold()
    long_ago = timezone.now() - datetime.timedelta(days=400)
    # Finished work from long ago: an UPDATE the triggers count too, then deleted by housekeeping.
    Task.objects.filter(status__in=["completed", "failed", "cancelled"]).update(
        created_at=long_ago, modified_at=long_ago
    )
    assert_counts_exact()

    assert housekeeping_run().tasks_deleted == 3

    assert_counts_exact()
    fold()
    assert_counts_exact()
    assert not TaskCount.objects.filter(count=0).exists()


@pytest.mark.django_db
def test_deleting_recent_history_takes_its_pushes_and_pops_off_the_chart():
    task = push("acme")
    task_pop(scheduler_id="boefje")
    fold()
    task.delete()  # as the admin's delete does: the history first, then the task
    assert_counts_exact()
    assert counted(TaskCountKind.CREATED, ["scheduler_id"]) == Counter()


@pytest.mark.django_db
def test_the_fold_prunes_buckets_older_than_a_day_and_zero_counts():
    old = timezone.now() - datetime.timedelta(hours=30)
    TaskCount.objects.create(
        kind="hour", scheduler_id="boefje", organisation="acme", status="queued", bucket=old, count=4
    )
    TaskCount.objects.create(kind="created", scheduler_id="boefje", organisation="acme", bucket=old, count=2)
    TaskCount.objects.create(kind="state", scheduler_id="boefje", organisation="gone", status="queued", count=0)
    push("acme")

    assert fold().counts_pruned == 3

    assert not TaskCount.objects.filter(Q(bucket__lt=old + datetime.timedelta(hours=1)) & ~Q(kind="state")).exists()
    assert not TaskCount.objects.filter(organisation="gone").exists()
    assert_counts_exact()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fold_while_another_holds_the_lock_leaves_the_deltas_and_counts_stay_exact():
    busy_queue()
    holding, release = threading.Event(), threading.Event()

    def other_fold() -> None:
        # Another node's fold, stopped between taking the lock and committing what it moved.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_fold)
    thread.start()
    assert holding.wait(10)
    try:
        result = fold()
        assert (result.folded, result.deltas) == (False, 0)
        assert TaskCountDelta.objects.exists()
        assert_counts_exact()
    finally:
        release.set()
        thread.join()
    assert fold().folded
    assert_counts_exact()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_folds_at_once_move_each_delta_once():
    busy_queue()
    deltas = TaskCountDelta.objects.count()
    start = threading.Barrier(2)
    results = []

    def run() -> None:
        try:
            start.wait(10)
            results.append(fold(batch=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fold()

    assert sum(result.deltas for result in results) <= deltas
    assert not TaskCountDelta.objects.exists()
    assert_counts_exact()


@pytest.mark.django_db
def test_stats_and_dashboard_answer_as_the_direct_count_does(monkeypatch):
    busy_queue()
    fold()
    push("acme", scheduler_id="normalizer")
    now = timezone.now()
    scoped = OrganisationScope.only(["globex"])
    from_counts = [
        task_stats(now=now),
        task_stats(now=now, scheduler_id="boefje", scope=scoped),
        task_stats(now=now, organisation="acme"),
    ]
    snapshots = [dashboard_snapshot(now=now, hours=24), dashboard_snapshot(now=now, scope=scoped)]

    # The direct counts, as on SQLite.
    monkeypatch.setattr("rocky_scheduler.selectors.covers", lambda start: False)
    monkeypatch.setattr(dashboard_selectors, "covers", lambda start: False)
    monkeypatch.setattr(dashboard_selectors, "counts_available", lambda: False)
    assert from_counts == [
        task_stats(now=now),
        task_stats(now=now, scheduler_id="boefje", scope=scoped),
        task_stats(now=now, organisation="acme"),
    ]
    assert sum(bucket["total"] for bucket in from_counts[0].values()) == Task.objects.count()
    direct = [dashboard_snapshot(now=now, hours=24), dashboard_snapshot(now=now, scope=scoped)]
    for counted_snapshot, direct_snapshot in zip(snapshots, direct, strict=True):
        assert counted_snapshot.schedulers == direct_snapshot.schedulers
        assert counted_snapshot.organisations == direct_snapshot.organisations
    # Not all zeros: the comparison above compared something.
    assert [s.depth["queued"] for s in snapshots[0].schedulers] == [3, 1, 0]
    assert [(o.organisation, o.queued) for o in snapshots[0].organisations] == [
        ("globex", 2),
        ("acme", 1),
        ("initech", 1),
    ]
    assert sum(snapshots[0].schedulers[0].pops) == 3


@pytest.mark.django_db
def test_migrating_fills_the_counts_of_the_tasks_and_history_already_there():
    from django.db.migrations.executor import MigrationExecutor

    busy_queue()
    executor = MigrationExecutor(connection)
    executor.migrate([("rocky_scheduler", "0017_task_status_newest")])
    push("umbrella")  # written while there were no triggers: the fill counts it
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("rocky_scheduler"))

    assert not TaskCountDelta.objects.exists()
    assert_counts_exact()
    push("umbrella")
    assert_counts_exact()


@pytest.mark.django_db
def test_a_rescheduling_batch_queued_in_one_statement_is_counted():
    import uuid

    from rocky_scheduler.hashing import digest
    from rocky_scheduler.models import Schedule
    from rocky_scheduler.queue.store import DueRequest, DueTask, PostgresqlTaskStore

    now = timezone.now()
    tasks = []
    for index, organisation in enumerate(["acme", "acme", "globex"]):
        data = boefje_data(ooi=f"Hostname|internet|due{index}.example.com")
        schedule = Schedule.objects.create(
            scheduler_id="boefje", organisation=organisation, hash=digest(str(index)), data=data, deadline_at=now
        )
        task_id = uuid.uuid4()
        tasks.append(
            DueTask(task_id, schedule.pk, organisation, 3, schedule.hash, {**data, "id": str(task_id)}, None, now, now)
        )
    request = DueRequest(tasks, "boefje", "boefje", True, now=now, actor="system:rescheduler", deadline_reason="due")

    assert len(PostgresqlTaskStore().queue_due(request)) == 3
    # The data-modifying CTEs insert tasks and their history in one statement: each table's trigger saw its rows.
    assert counted(TaskCountKind.STATE, ["organisation", "status"]) == Counter(
        {("acme", "queued"): 2, ("globex", "queued"): 1}
    )
    assert_counts_exact()
