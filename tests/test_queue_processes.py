"""The queue under several real OS processes, each with its own connection and heap cache."""

import collections
import time

import pytest

from rocky_scheduler.models import Scheduler, Task, TaskStatus
from rocky_scheduler.services import task_push, task_set_priority
from tests.factories import boefje_data, bulk_backlog
from tests.support.processes import WorkerProcess, Workers

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


@pytest.fixture
def workers_factory():
    started: list[Workers] = []

    def start(count: int, **env: str) -> Workers:
        started.append(Workers(count, **env))
        return started[-1]

    yield start
    for workers in started:
        workers.close()


def test_four_processes_pop_10000_tasks_exactly_once(workers_factory):
    backlog = {str(task.id) for task in bulk_backlog(10_000)}
    workers = workers_factory(4)
    start_at = time.time() + 0.5
    for seed, worker in enumerate(workers):
        worker.send(op="drain", max_limit=3, seed=seed, start_at=start_at)
    per_worker = [worker.receive()["ids"] for worker in workers]

    popped = collections.Counter(task_id for ids in per_worker for task_id in ids)
    duplicates = [task_id for task_id, count in popped.items() if count > 1]
    assert duplicates == []
    assert set(popped) == backlog, f"lost {len(backlog - set(popped))} tasks"
    assert all(ids for ids in per_worker), "every process should have taken part"
    assert not Task.objects.filter(status=TaskStatus.QUEUED).exists()
    assert Task.objects.filter(status=TaskStatus.DISPATCHED).count() == 10_000


def test_eight_concurrent_pushers_never_exceed_maxsize(workers_factory):
    Scheduler.objects.filter(pk="boefje").update(maxsize=100)
    workers = workers_factory(8)
    start_at = time.time() + 0.5
    for worker in workers:
        worker.send(op="push_many", priority=5, datas=[boefje_data() for _ in range(40)], start_at=start_at)
    outcomes = [worker.receive() for worker in workers]

    queued = Task.objects.filter(scheduler_id="boefje", status=TaskStatus.QUEUED).count()
    assert queued == 100
    assert sum(len(o["pushed"]) for o in outcomes) == 100
    assert sum(o["full"] for o in outcomes) == 8 * 40 - 100

    # The queue is full, yet a user's push (priority 1) still goes in.
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=1)
    assert Task.objects.filter(scheduler_id="boefje", status=TaskStatus.QUEUED).count() == 101


def test_concurrent_pushes_of_one_hash_leave_one_queued_task(workers_factory):
    data = boefje_data(ooi="Hostname|internet|same.example.com")
    workers = workers_factory(8)
    start_at = time.time() + 0.5
    for worker in workers:
        worker.send(op="push_many", priority=3, datas=[data] * 5, start_at=start_at)
    outcomes = [worker.receive() for worker in workers]

    assert sum(len(o["pushed"]) for o in outcomes) == 1
    assert sum(o["duplicate"] for o in outcomes) == 8 * 5 - 1
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 1


def _pop_until(worker: WorkerProcess, task_id: str, deadline: float) -> tuple[float, list[str]]:
    others = []
    while time.time() < deadline:
        reply = worker.call(op="pop")
        if task_id in reply["ids"]:
            return reply["at"], others
        others.extend(reply["ids"])
        time.sleep(0.05)
    raise AssertionError(f"{task_id} was not popped before the deadline; popped {len(others)} others")


def test_push_in_one_process_is_popped_first_by_another_within_a_second(workers_factory):
    bulk_backlog(200)
    [popper] = workers_factory(1)
    popper.call(op="pop")  # its heap cache now holds the old view of the queue
    urgent = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=1)
    pushed_at = time.time()

    popped_at, _ = _pop_until(popper, str(urgent.id), deadline=pushed_at + 5)
    assert popped_at - pushed_at < 1.0


def test_reprioritisation_in_one_process_is_honoured_by_another_within_a_second(workers_factory):
    tasks = bulk_backlog(500)
    [popper] = workers_factory(1)
    popper.call(op="pop")
    last = tasks[-1]  # far outside the popper's cached window
    task_set_priority(task_id=last.id, priority=1)
    changed_at = time.time()

    popped_at, _ = _pop_until(popper, str(last.id), deadline=changed_at + 5)
    assert popped_at - changed_at < 1.0


def test_new_process_pops_backlog_in_order_without_loading_the_queue(workers_factory):
    tasks = bulk_backlog(5_000, priorities=[(i * 7919) % 20 + 2 for i in range(5_000)])
    expected = [str(t.id) for t in sorted(tasks, key=lambda t: (t.priority, t.created_at))][:300]
    [popper] = workers_factory(1)
    popped = []
    for _ in range(30):
        popped.extend(popper.call(op="pop", limit=10)["ids"])
    assert popped == expected
    rows_loaded = popper.call(op="stats")["rows_loaded"]
    # 300 pops through a 256-row window need two or three refills, nowhere near the 5,000 queued.
    assert 300 <= rows_loaded <= 1_000
