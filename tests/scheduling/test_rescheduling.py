"""Completed work recurs: next deadlines, and one run queues every due schedule."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import OOI, Plugin, PluginEnablement, Schedule, ScheduleEvent, Task, TaskStatus
from rocky_scheduler.queue.store.deadlines import cron_step
from rocky_scheduler.services import task_pop, task_transition
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message
from rocky_scheduler.services.scheduling import schedule_due_push
from rocky_scheduler.services.scheduling.plugins import plugin_interval_apply
from tests.scheduling.conftest import mutation

pytestmark = pytest.mark.django_db

PK = "Hostname|internet|a.com"


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def complete_one(clock: Clock) -> Task:
    [task] = task_pop(scheduler_id="boefje", clock=clock)
    return task_transition(task_id=task.id, status=TaskStatus.COMPLETED, clock=clock)


def test_completed_task_with_one_minute_interval_is_queued_again_once_due(catalogue):
    Plugin.objects.filter(pk="dns-records").update(interval=1)
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    first = complete_one(clock)
    schedule = Schedule.objects.get(pk=first.schedule_id)
    assert schedule.deadline_at == clock.now + datetime.timedelta(minutes=1)

    clock.advance(seconds=30)
    assert schedule_due_push(clock=clock).queued == 0
    clock.advance(seconds=31)
    assert schedule_due_push(clock=clock).queued == 1
    again = Task.objects.get(status=TaskStatus.QUEUED)
    assert (again.schedule_id, again.hash) == (first.schedule_id, first.hash)
    assert schedule_due_push(clock=clock).queued == 0, "a queued schedule is not due again until it completes"


def test_cron_schedule_takes_the_next_cron_time(either_catalogue):
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    task = Task.objects.get()
    Schedule.objects.filter(pk=task.schedule_id).update(schedule="0 3 * * *")
    complete_one(clock)
    deadline = Schedule.objects.get(pk=task.schedule_id).deadline_at
    assert (deadline.hour, deadline.minute) == (3, 0) and deadline > clock.now


def test_without_cron_or_interval_the_grace_period_applies(either_catalogue):
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    task = complete_one(clock)
    assert Schedule.objects.get(pk=task.schedule_id).deadline_at == clock.now + datetime.timedelta(days=1)


def test_due_schedules_of_gone_objects_or_disabled_plugins_are_disabled_with_a_reason(catalogue):
    clock = Clock()
    for host in ("gone.com", "off.com", "ok.com"):
        ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(f"Hostname|internet|{host}", "Hostname", 1))
    for task in task_pop(scheduler_id="boefje", limit=3, clock=clock):
        task_transition(task_id=task.id, status=TaskStatus.COMPLETED, clock=clock)
    Schedule.objects.update(deadline_at=clock.now - datetime.timedelta(minutes=1))
    OOI.objects.filter(primary_key="Hostname|internet|gone.com").delete()
    Schedule.objects.filter(data__input_ooi="Hostname|internet|off.com").update(organisation="globex")
    PluginEnablement.objects.filter(organisation__code="globex", plugin_id="dns-records").update(enabled=False)

    result = schedule_due_push(clock=clock)
    assert (result.queued, result.disabled) == (1, 2)
    reasons = set(ScheduleEvent.objects.filter(kind="disabled").values_list("reason", flat=True))
    assert any("no longer exists" in reason for reason in reasons)
    assert any("not enabled" in reason for reason in reasons)
    assert Schedule.objects.filter(enabled=False).count() == 2


def test_disabled_schedule_is_skipped(either_catalogue):
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1))
    complete_one(clock)
    Schedule.objects.update(enabled=False, deadline_at=clock.now - datetime.timedelta(hours=1))
    assert schedule_due_push(clock=clock).queued == 0
    assert not Task.objects.filter(status=TaskStatus.QUEUED).exists()


@pytest.mark.slow
def test_one_run_queues_all_10000_due_schedules_oldest_first(catalogue):
    clock = Clock()
    organisation = OOI.objects.model._meta.get_field("organisation").related_model.objects.get(code="acme")
    OOI.objects.bulk_create(
        OOI(organisation=organisation, primary_key=f"Hostname|internet|h{i}.com", object_type="Hostname", scan_level=1)
        for i in range(10_000)
    )
    schedules = []
    for i in range(10_000):
        data = {"boefje": {"id": "dns-records"}, "input_ooi": f"Hostname|internet|h{i}.com", "organization": "acme"}
        schedules.append(
            Schedule(
                scheduler_id="boefje",
                organisation="acme",
                data=data,
                hash=digest(f"Hostname|internet|h{i}.com-dns-records-acme"),
                deadline_at=clock.now - datetime.timedelta(seconds=10_000 - i),
            )
        )
    Schedule.objects.bulk_create(schedules, batch_size=2000)

    result = schedule_due_push(clock=clock)
    assert result.queued == 10_000
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 10_000
    assert not Schedule.objects.filter(deadline_at__lte=clock.now).exists()
    queued_order = ScheduleEvent.objects.filter(kind="queued").order_by("id").values_list("schedule__data", flat=True)
    assert [data["input_ooi"] for data in queued_order[:3]] == [f"Hostname|internet|h{i}.com" for i in range(3)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_completion_needs_no_catalogue_the_schedule_carries_the_interval(catalogue):
    # Completion is one statement of its own (no transaction around it) that reads the interval from the
    # schedule: a KATalogus that is down when the worker reports changes nothing about the next deadline.
    Plugin.objects.filter(pk="dns-records").update(interval=60)
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    [task] = task_pop(scheduler_id="boefje", clock=clock)
    with override_settings(ROCKY_SCHEDULER={"CATALOGUE": "tests.scheduling.failing_catalogue.PluginLookupDown"}):
        done = task_transition(task_id=task.id, status=TaskStatus.COMPLETED, clock=clock)
    assert Task.objects.get(pk=task.id).status == done.status == TaskStatus.COMPLETED
    assert Schedule.objects.get(pk=task.schedule_id).deadline_at == clock.now + datetime.timedelta(hours=1)


def test_a_cron_step_leaves_a_deadline_changed_since(catalogue):
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    task = complete_one(clock)
    # An analyst set a deadline between the finishing statement (grace period) and the cron step.
    Schedule.objects.filter(pk=task.schedule_id).update(deadline_at=clock.now)
    provisional = clock.now + datetime.timedelta(days=1)
    assert cron_step(task=task, cron="0 3 * * *", provisional=provisional, now=clock.now, actor="w") == provisional
    assert Schedule.objects.get(pk=task.schedule_id).deadline_at == clock.now


def test_a_changed_plugin_interval_reaches_the_schedules_and_the_next_completion(catalogue):
    clock = Clock()
    Plugin.objects.filter(pk="dns-records").update(interval=60)
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    first = complete_one(clock)
    assert Schedule.objects.get(pk=first.schedule_id).deadline_at == clock.now + datetime.timedelta(hours=1)

    Plugin.objects.filter(pk="dns-records").update(interval=30)
    assert plugin_interval_apply(plugin_id="dns-records", interval=datetime.timedelta(minutes=30)) == 1
    schedule = Schedule.objects.get(pk=first.schedule_id)
    # The waiting schedule keeps its last finish as the starting point: one hour became thirty minutes.
    assert schedule.interval == datetime.timedelta(minutes=30)
    assert schedule.deadline_at == clock.now + datetime.timedelta(minutes=30)
    event = schedule.events.filter(kind=ScheduleEvent.Kind.DEADLINE).last()
    assert (event.deadline_from, event.deadline_to) == (clock.now + datetime.timedelta(hours=1), schedule.deadline_at)
    assert "interval changed" in event.reason

    clock.advance(minutes=30, seconds=1)
    assert schedule_due_push(clock=clock).queued == 1
    second = complete_one(clock)
    assert second.schedule_id == first.schedule_id
    assert Schedule.objects.get(pk=second.schedule_id).deadline_at == clock.now + datetime.timedelta(minutes=30)


def test_each_run_of_a_schedule_has_an_id_of_its_own_in_data(catalogue):
    clock = Clock()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(PK, "Hostname", 1), clock=clock)
    first = complete_one(clock)
    schedule = Schedule.objects.get(pk=first.schedule_id)
    assert "id" not in schedule.data, "the schedule keeps the work, not one task's id"
    # A schedule written before data.id was filled in may still carry an earlier task's id.
    Schedule.objects.filter(pk=schedule.pk).update(data={**schedule.data, "id": str(first.pk)})

    clock.advance(days=2)
    assert schedule_due_push(clock=clock).queued == 1
    again = Task.objects.get(status=TaskStatus.QUEUED)
    assert again.pk != first.pk and again.data["id"] == str(again.pk)
