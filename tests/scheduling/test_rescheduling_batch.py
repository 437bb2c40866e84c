"""A batch of due schedules is queued by sets: every reason to disable or skip still holds, as does the bound."""

import datetime
import uuid

import pytest
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import (
    OOI,
    Organisation,
    PluginEnablement,
    Schedule,
    ScheduleEvent,
    Scheduler,
    Task,
    TaskEvent,
    TaskStatus,
)
from rocky_scheduler.services import task_pop, task_push
from rocky_scheduler.services.common import scheduler_cache
from rocky_scheduler.services.scheduling import schedule_due_push

pytestmark = pytest.mark.django_db


def due(host: str, *, level: int | None = 1, plugin: str = "dns-records", organisation: str = "acme", **data):
    """A due schedule of `plugin` on the hostname `host` (with its object at `level`; None: no object)."""
    pk = f"Hostname|internet|{host}"
    if level is not None:
        org = Organisation.objects.get(code=organisation)
        OOI.objects.create(organisation=org, primary_key=pk, object_type="Hostname", scan_level=level)
    body = {"boefje": {"id": plugin}, "input_ooi": pk, "organization": organisation, **data}
    return Schedule.objects.create(
        scheduler_id="boefje",
        organisation=organisation,
        data=body,
        hash=digest(f"{pk}-{plugin}-{organisation}"),
        deadline_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def events(schedule: Schedule) -> list[tuple[str, str]]:
    return list(schedule.events.order_by("id").values_list("kind", "reason"))


def test_one_batch_with_every_outcome_queues_disables_and_skips_each_with_its_history_row(catalogue):
    PluginEnablement.objects.filter(organisation__code="acme", plugin_id="nmap").update(enabled=False)
    ok = [due(f"ok{i}.com") for i in range(3)]
    gone_plugin = due("gone-plugin.com", plugin="no-such-boefje")
    disabled_plugin = due("off.com", plugin="nmap", level=2)
    gone_object = due("gone.com", level=None)
    too_low = due("low.com", plugin="ssl-certificates", level=1)
    invalid = due("bad.com", deduplication_key="not-a-uuid")
    active = due("busy.com")
    running = task_push(scheduler_id="boefje", organisation="acme", data=active.data)
    [popped] = task_pop(scheduler_id="boefje")
    assert popped.id == running.id
    Schedule.objects.filter(pk=active.pk).update(deadline_at=timezone.now() - datetime.timedelta(minutes=1))

    result = schedule_due_push()

    assert (result.queued, result.disabled, result.skipped, result.batches) == (3, 5, 1, 1)
    queued = Task.objects.filter(status=TaskStatus.QUEUED)
    assert sorted(queued.values_list("schedule_id", flat=True)) == sorted(schedule.pk for schedule in ok)
    for task in queued:
        assert task.data["id"] == str(task.id)
        assert list(task.events.values_list("kind", "actor")) == [(TaskEvent.Kind.CREATED, "system:rescheduler")]
    for schedule in ok:
        schedule.refresh_from_db()
        assert schedule.enabled and schedule.deadline_at is None
        assert [kind for kind, _ in events(schedule)] == [ScheduleEvent.Kind.DEADLINE, ScheduleEvent.Kind.QUEUED]
    reasons = {
        gone_plugin: "plugin 'no-such-boefje' does not exist",
        disabled_plugin: "plugin 'nmap' is not enabled for 'acme'",
        gone_object: "the object 'Hostname|internet|gone.com' no longer exists",
        too_low: "the object's scan level 1 is below the plugin's 2",
        invalid: "its data is no longer valid",
    }
    for schedule, reason in reasons.items():
        schedule.refresh_from_db()
        assert not schedule.enabled and schedule.deadline_at is not None
        [(kind, written)] = events(schedule)
        assert kind == ScheduleEvent.Kind.DISABLED and written.startswith(reason)
    active.refresh_from_db()
    assert active.deadline_at is None, "finishing the active task sets the next deadline"
    assert (ScheduleEvent.Kind.SKIPPED, "a task of this schedule is still active") in events(active)
    assert schedule_due_push().queued == 0


def test_a_bounded_queue_takes_what_fits_and_the_rest_stays_due_for_the_next_run(catalogue):
    Scheduler.objects.filter(pk="boefje").update(maxsize=3)
    scheduler_cache.clear()
    task_push(scheduler_id="boefje", organisation="acme", data={"boefje": {"id": "nmap"}, "input_ooi": "x"})
    schedules = [due(f"h{i}.com") for i in range(5)]

    result = schedule_due_push(batch_size=2)

    # The second batch found the queue full: the run reads no third batch of that scheduler.
    assert (result.queued, result.skipped, result.batches) == (2, 2, 2)
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 3
    still_due = Schedule.objects.filter(deadline_at__isnull=False)
    assert set(still_due) == set(schedules[2:]), "the oldest deadlines go first, the rest keep theirs"
    assert not ScheduleEvent.objects.filter(schedule__in=schedules[2:]).exists()

    for task in task_pop(scheduler_id="boefje", limit=3):
        assert task.status == TaskStatus.DISPATCHED
    assert schedule_due_push().queued == 3


def test_a_pop_right_after_the_run_sees_its_tasks(catalogue):
    assert task_pop(scheduler_id="boefje") == [], "the heap cache has read the empty queue"
    due("fresh.com")
    schedule_due_push()
    [task] = task_pop(scheduler_id="boefje")
    assert task.data["input_ooi"] == "Hostname|internet|fresh.com"


def test_fair_share_ranks_a_batch_as_pushes_one_by_one_would(catalogue):
    Scheduler.objects.filter(pk="boefje").update(ranker="rocky_scheduler.rankers.fair_share.FairShareRanker")
    scheduler_cache.clear()
    for i in range(3):
        due(f"acme{i}.com")
    for i in range(2):
        due(f"globex{i}.com", organisation="globex")

    assert schedule_due_push().queued == 5

    priorities = Task.objects.order_by("priority").values_list("organisation", "priority")
    assert sorted(priorities) == [("acme", 2), ("acme", 3), ("acme", 4), ("globex", 2), ("globex", 3)]


def test_equal_priorities_are_popped_in_deadline_order(catalogue):
    schedules = [due(f"order{i}.com") for i in range(5)]
    for offset, schedule in enumerate(reversed(schedules)):
        Schedule.objects.filter(pk=schedule.pk).update(
            deadline_at=timezone.now() - datetime.timedelta(minutes=10 + offset)
        )

    schedule_due_push()

    popped = task_pop(scheduler_id="boefje", limit=5)
    assert [task.schedule_id for task in popped] == [schedule.pk for schedule in schedules], "oldest deadline first"


def test_the_same_work_queued_by_hand_is_not_queued_twice(catalogue):
    schedule = due("twice.com")
    pushed = task_push(scheduler_id="boefje", organisation="acme", data={**schedule.data, "id": str(uuid.uuid4())})

    result = schedule_due_push()

    assert (result.queued, result.skipped) == (0, 1)
    assert list(Task.objects.values_list("id", flat=True)) == [pushed.id]
