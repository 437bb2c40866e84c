"""SIGKILL of the process running the rescheduling job, then a new run: every due schedule queued exactly once.

The job (`rocky_scheduler.jobs.reschedule_due`, what django-q2's cluster runs) works through the due
schedules in batches, one transaction each. A kill loses at most the open batch: its pushes roll
back with it and its schedules keep their deadlines, so the next run queues them; the committed
batches cleared theirs, so the next run does not queue them again.
"""

import time

import pytest

from rocky_scheduler.models import Schedule, Task, TaskStatus
from rocky_scheduler.services.demo_seed import demo_seed
from tests.ingest.broker import wait_until
from tests.reliability.helpers import RescheduleRunner, due_schedules

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

SCHEDULES = 5_000


@pytest.fixture
def runners():
    started: list[RescheduleRunner] = []

    def start(**options) -> RescheduleRunner:
        started.append(RescheduleRunner(**options))
        return started[-1]

    yield start
    for runner in started:
        runner.close()


@pytest.fixture
def due():
    demo_seed(username="demo", password="demo-pw")
    return {schedule.pk for schedule in due_schedules(SCHEDULES)}


def assert_each_schedule_queued_once(due: set) -> None:
    per_schedule = list(Task.objects.values_list("schedule_id", flat=True))
    assert len(per_schedule) == len(set(per_schedule)), "a schedule was queued twice"
    assert set(per_schedule) == due, f"{len(due - set(per_schedule))} schedules were never queued"
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == len(due)
    assert not Schedule.objects.filter(deadline_at__isnull=False).exists(), "a queued schedule is still due"


def test_job_killed_mid_run_then_run_again_queues_every_schedule_once(due, runners):
    first = runners()
    # One batch of BATCH_SIZE (500) committed: the job is past its first transaction and in another.
    queued_at_kill = wait_until(lambda: Task.objects.count() >= 500 and Task.objects.count(), what="a committed batch")
    assert first.kill() == -9, "the run ended before it could be killed"
    queued_after_kill = Task.objects.count()
    assert queued_at_kill <= queued_after_kill < SCHEDULES
    assert Schedule.objects.filter(deadline_at__isnull=False).count() == SCHEDULES - queued_after_kill

    result = runners().result()
    assert result["queued"] == SCHEDULES - queued_after_kill
    assert_each_schedule_queued_once(due)
    print(f"\nkilled after {queued_after_kill} of {SCHEDULES} queued; the second run queued {result['queued']}")


@pytest.mark.postgresql_only(
    reason="a second run passes the hung run's locked schedules by (SKIP LOCKED); SQLite has one writer at a time, "
    "so the hung run's open write transaction blocks every other run"
)
def test_run_killed_inside_a_batch_transaction_loses_nothing_and_its_locks_go_with_it(due, runners):
    first = runners(batch_size=400, hang_in_batch=3)
    assert first.read() == {"hung": 1_200}  # 400 + 400 committed, 400 inserted in the open third batch
    assert Task.objects.count() == 800, "uncommitted pushes must not be visible"

    # While the hung run holds its batch, a second run skips those 400 locked schedules and does the rest.
    second = runners(batch_size=400).result()
    assert second["queued"] == SCHEDULES - 800 - 400
    assert first.kill() == -9
    # The kill rolled the open batch back and released its locks: a third run queues those 400.
    third = runners(batch_size=400).result()
    assert third["queued"] == 400
    assert_each_schedule_queued_once(due)


def test_two_runs_started_together_share_the_due_schedules_and_queue_each_once(due, runners):
    start_at = time.time() + 3
    both = [runners(batch_size=250, start_at=start_at) for _ in range(2)]
    results = [runner.result() for runner in both]
    assert sum(result["queued"] for result in results) == SCHEDULES
    assert all(result["skipped"] == 0 for result in results)
    assert_each_schedule_queued_once(due)
