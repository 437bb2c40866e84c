"""Two complete deployments on one database: two servers and two rescheduling runs at once, no task twice.

Each deployment is a gunicorn server with two worker processes plus a process running the
rescheduling job (`rocky_scheduler.jobs.reschedule_due`, as its django-q2 cluster would). Both
runs start together over the same 2,500 due schedules while eight runners, half on each server,
drain a backlog of 1,500 tasks and whatever the runs queue. Every schedule is queued once, by one
of the runs; every task reaches exactly one runner.
"""

import time

import pytest

from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services.demo_seed import demo_seed
from tests.factories import bulk_backlog
from tests.reliability.helpers import Popper, RescheduleRunner, due_schedules, duplicates, run_poppers, superuser_token
from tests.support.live_server import GunicornServer

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.slow,
    # On a busy two-core CI machine some 5,000 HTTP requests through four server processes take a while.
    pytest.mark.timeout(600),
]

BACKLOG = 1_500
SCHEDULES = 2_500
POPPERS_PER_SERVER = 4


def test_two_deployments_on_one_database_queue_and_dispatch_everything_exactly_once(tmp_path):
    demo_seed(username="demo", password="demo-pw")
    backlog = {str(task.id) for task in bulk_backlog(BACKLOG)}
    due = {schedule.pk for schedule in due_schedules(SCHEDULES)}
    token = superuser_token("runner")
    servers = []
    runs: list[RescheduleRunner] = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            servers.append(GunicornServer(workers=2, log_dir=tmp_path / name))
        start_at = time.time() + 1.0
        runs = [RescheduleRunner(start_at=start_at) for _ in servers]

        def rescheduling_done() -> bool:
            return all(run.process.poll() is not None for run in runs)

        poppers = [
            Popper(server.port, token, limit=3, done=rescheduling_done, seconds=400)
            for server in servers
            for _ in range(POPPERS_PER_SERVER)
        ]
        run_poppers(poppers, timeout=420)
        results = [run.result() for run in runs]
    finally:
        for run in runs:
            run.close()
        for server in servers:
            server.stop()

    # Each due schedule was queued by exactly one of the two runs.
    assert sum(result["queued"] for result in results) == SCHEDULES
    per_schedule = list(Task.objects.filter(schedule__isnull=False).values_list("schedule_id", flat=True))
    assert sorted(per_schedule) == sorted(due)

    # Every task, from the backlog or from the runs, went to exactly one runner, through either server.
    assert [p.unexpected for p in poppers] == [[]] * len(poppers)
    assert not any(p.timed_out or p.unanswered_pops for p in poppers)
    received = [p.received for p in poppers]
    assert duplicates(received) == []
    everything = {str(task_id) for task_id in Task.objects.values_list("id", flat=True)}
    assert len(everything) == BACKLOG + SCHEDULES and backlog <= everything
    assert {task_id for ids in received for task_id in ids} == everything
    assert Task.objects.filter(status=TaskStatus.COMPLETED).count() == BACKLOG + SCHEDULES
    by_server = [sum(len(p.received) for p in poppers if p.client.port == server.port) for server in servers]
    assert all(by_server), f"both deployments should have served pops: {by_server}"
    print(f"\nqueued by each run: {[r['queued'] for r in results]}; popped through each server: {by_server}")
