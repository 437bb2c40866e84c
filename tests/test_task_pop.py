"""Pop in one process: order, filters, limit, paused schedulers, re-prioritisation, lease expiry."""

import datetime
import random

import pytest
from django.db.models import Q
from django.utils import timezone

from rocky_scheduler.errors import IllegalTransition
from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_expire_leases, task_pop, task_push, task_set_priority, task_transition
from tests.factories import TaskFactory, boefje_data

pytestmark = pytest.mark.django_db


class SteppingClock:
    """A clock that moves one millisecond per reading, so created_at never ties."""

    def __init__(self, start: datetime.datetime | None = None) -> None:
        self.now = start or timezone.now()

    def __call__(self) -> datetime.datetime:
        self.now += datetime.timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def test_one_popper_gets_1000_random_priorities_in_exact_order():
    clock = SteppingClock()
    rng = random.Random(7)
    pushed = [
        task_push(
            scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=rng.randint(1, 50), clock=clock
        )
        for _ in range(1000)
    ]
    expected = [task.id for task in sorted(pushed, key=lambda task: (task.priority, task.created_at))]
    popped = []
    while batch := task_pop(scheduler_id="boefje", clock=clock):
        popped.extend(task.id for task in batch)
    assert popped == expected


def test_popped_tasks_are_dispatched_with_a_lease_and_history():
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2)
    [task] = task_pop(scheduler_id="boefje", worker="worker-1")
    assert task.status == TaskStatus.DISPATCHED
    assert task.lease_expires_at > task.dispatched_at
    event = TaskEvent.objects.filter(task=task).latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("queued", "dispatched", "worker-1")


def test_pop_with_limit_returns_the_best_n_best_first():
    for priority in (5, 3, 9, 1, 7):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=priority)
    assert [task.priority for task in task_pop(scheduler_id="boefje", limit=3)] == [1, 3, 5]
    assert [task.priority for task in task_pop(scheduler_id="boefje", limit=10)] == [7, 9]
    assert task_pop(scheduler_id="boefje", limit=10) == []


def test_pop_filters_on_data_paths():
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(boefje_id="nmap"), priority=1)
    wanted = task_push(
        scheduler_id="boefje", organisation="acme", data=boefje_data(boefje_id="dns-records"), priority=5
    )
    popped = task_pop(scheduler_id="boefje", filters=Q(data__boefje__id__in=["dns-records"]))
    assert [task.id for task in popped] == [wanted.id]


def test_paused_scheduler_pops_nothing_but_takes_pushes():
    Scheduler.objects.filter(pk="boefje").update(paused=True)
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2)
    assert task_pop(scheduler_id="boefje") == []
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 1


def test_reprioritised_task_is_popped_first_in_this_process():
    tasks = [task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5) for _ in range(5)]
    task_pop(scheduler_id="boefje")  # loads this process's heap cache
    task_set_priority(task_id=tasks[4].id, priority=1, actor="user:alice")
    assert task_pop(scheduler_id="boefje")[0].id == tasks[4].id


def test_only_queued_tasks_can_be_reprioritised():
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)
    [task] = task_pop(scheduler_id="boefje")
    with pytest.raises(IllegalTransition):
        task_set_priority(task_id=task.id, priority=1)


def test_cancelled_task_leaves_the_queue():
    task = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)
    task_pop(scheduler_id="boefje", limit=0)
    task_transition(task_id=task.id, status=TaskStatus.CANCELLED)
    assert task_pop(scheduler_id="boefje") == []


def test_tasks_written_behind_the_cache_are_still_popped():
    # Another process fills the queue right after this process cached it as empty.
    assert task_pop(scheduler_id="boefje") == []
    task = TaskFactory(priority=4)  # a direct insert: no hint reaches this process's cache
    assert [t.id for t in task_pop(scheduler_id="boefje")] == [task.id]


def test_expired_dispatch_lease_requeues_with_one_more_attempt_then_fails():
    Scheduler.objects.filter(pk="boefje").update(max_attempts=2, dispatch_timeout_seconds=60)
    clock = SteppingClock()
    task = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2, clock=clock)
    task_pop(scheduler_id="boefje", clock=clock)

    clock.advance(seconds=30)
    assert task_expire_leases(clock=clock).requeued == 0
    clock.advance(seconds=31)
    assert task_expire_leases(clock=clock).requeued == 1
    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.QUEUED, 1)

    assert task_pop(scheduler_id="boefje", clock=clock)[0].id == task.id
    clock.advance(seconds=61)
    assert task_expire_leases(clock=clock).failed == 1
    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.FAILED, 2)
    reasons = list(TaskEvent.objects.filter(task=task, kind="lease_expired").values_list("reason", flat=True))
    assert len(reasons) == 2 and "max attempts" in reasons[1]


def test_running_task_without_heartbeat_fails_after_the_run_timeout():
    Scheduler.objects.filter(pk="boefje").update(run_timeout_seconds=120)
    clock = SteppingClock()
    task = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2, clock=clock)
    task_pop(scheduler_id="boefje", clock=clock)
    task_transition(task_id=task.id, status=TaskStatus.RUNNING, clock=clock)
    clock.advance(seconds=100)
    task_transition(task_id=task.id, status=TaskStatus.RUNNING, clock=clock)  # heartbeat
    clock.advance(seconds=100)
    assert task_expire_leases(clock=clock).failed == 0
    clock.advance(seconds=21)
    assert task_expire_leases(clock=clock).failed == 1
    assert Task.objects.get(pk=task.pk).status == TaskStatus.FAILED


def test_filter_that_can_match_nothing_pops_nothing():
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=2)
    assert task_pop(scheduler_id="boefje", filters=Q(id__in=[])) == []
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 1
