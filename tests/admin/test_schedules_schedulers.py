"""Schedules (enable, disable, run now, cron) and schedulers (pause, resume, settings) in the admin."""

import pytest
from django.utils import timezone

from rocky_scheduler.models import Schedule, ScheduleEvent, Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_transition
from rocky_scheduler.services.scheduler_settings import check_ranker
from tests.admin.conftest import change, changelist, messages_of, push_tasks, run_action, staff_client
from tests.support.users import actor

pytestmark = pytest.mark.django_db


def schedules_of(tasks: list[Task]) -> list[Schedule]:
    return [Schedule.objects.get(pk=task.schedule_id) for task in tasks]


def test_disable_and_enable_schedules_write_their_history(admin_client):
    schedules = schedules_of(push_tasks(3))
    Schedule.objects.filter(pk=schedules[2].pk).update(enabled=False)

    response = run_action(admin_client, "schedule", "disable", schedules)

    assert not Schedule.objects.filter(enabled=True).exists()
    assert messages_of(response) == ["Disabled 2 schedules.", "1 schedule already disabled."]
    event = ScheduleEvent.objects.get(schedule=schedules[0])
    assert (event.kind, event.actor, event.reason) == ("disabled", actor("admin"), "disabled in the admin")

    response = run_action(admin_client, "schedule", "enable", schedules[:1])

    assert list(Schedule.objects.filter(enabled=True)) == schedules[:1]
    assert messages_of(response) == ["Enabled 1 schedule."]
    assert ScheduleEvent.objects.filter(schedule=schedules[0]).latest("at").actor == actor("admin")


def test_run_now_queues_the_schedules_task_at_priority_1(admin_client):
    tasks = push_tasks(3, priority=40)
    schedules = schedules_of(tasks)
    # Two have finished (so may run again); the third is still queued.
    for task in tasks[:2]:
        Task.objects.filter(pk=task.pk).update(status=TaskStatus.DISPATCHED)
        task_transition(task_id=task.pk, status="completed", actor="worker")

    response = run_action(admin_client, "schedule", "run_now", schedules)

    for schedule in schedules[:2]:
        queued = Task.objects.get(schedule=schedule, status=TaskStatus.QUEUED)
        assert queued.priority == 1
        assert TaskEvent.objects.get(task=queued, kind="created").actor == actor("admin")
        event = ScheduleEvent.objects.filter(schedule=schedule, kind="queued").get()
        assert (event.actor, event.reason) == (actor("admin"), f"run now: task {queued.pk}")
    assert Task.objects.filter(schedule=schedules[2]).count() == 1
    [queued_message, refusal] = messages_of(response)
    assert queued_message == "Queued a task for 2 schedules."
    assert refusal.startswith("1 schedule refused: ")


def test_the_schedule_page_changes_cron_and_shows_history(admin_client):
    schedule = schedules_of(push_tasks(1))[0]
    ScheduleEvent.objects.create(schedule=schedule, kind="skipped", actor="system:rescheduler", reason="busy")
    page = admin_client.get(change("schedule", schedule.pk))
    assert "system:rescheduler" in page.content.decode()
    inline = page.context["inline_admin_formsets"][0].formset
    management = {f"{inline.prefix}-{k}": v for k, v in inline.management_form.initial.items() if v is not None}
    deadline = timezone.now().replace(microsecond=0)
    form = {
        "enabled": "",
        "schedule": "0 3 * * *",
        "deadline_at_0": deadline.strftime("%Y-%m-%d"),
        "deadline_at_1": deadline.strftime("%H:%M:%S"),
        **management,
    }

    admin_client.post(change("schedule", schedule.pk), form, follow=True)

    schedule.refresh_from_db()
    assert (schedule.enabled, schedule.schedule) == (False, "0 3 * * *")
    assert ScheduleEvent.objects.filter(schedule=schedule, kind="disabled", actor=actor("admin")).exists()

    response = admin_client.post(change("schedule", schedule.pk), {**form, "schedule": "every tuesday"})
    assert response.status_code == 200
    assert "not a valid cron expression" in str(response.context["adminform"].form.errors["schedule"])


def test_pause_and_resume_schedulers_change_what_pops_return(admin_client):
    push_tasks(1)

    response = run_action(admin_client, "scheduler", "pause", ["boefje", "normalizer"])

    assert set(Scheduler.objects.filter(paused=True).values_list("pk", flat=True)) == {"boefje", "normalizer"}
    assert messages_of(response) == ["Paused 2 schedulers."]
    assert task_pop(scheduler_id="boefje") == []

    response = run_action(admin_client, "scheduler", "resume", ["boefje", "report"])

    assert messages_of(response) == ["Resumed 1 scheduler.", "1 scheduler already running."]
    assert len(task_pop(scheduler_id="boefje")) == 1


def scheduler_form(**changes) -> dict:
    form = {
        "paused": "",
        "maxsize": "0",
        "ranker": "rocky_scheduler.rankers.fifo.FifoRanker",
        "allow_replace": "",
        "allow_updates": "",
        "allow_priority_updates": "",
        "deduplicate": "",
        "dispatch_timeout_seconds": "300",
        "run_timeout_seconds": "3600",
        "requeue_on_run_timeout": "",
        "max_attempts": "3",
    }
    form.update(changes)
    return form


def test_staff_with_change_scheduler_may_change_every_setting(db):
    operator = staff_client("ops", groups=("scheduler-readonly",), permissions=("change_scheduler",))
    form = scheduler_form(
        maxsize="500",
        ranker="rocky_scheduler.rankers.fair_share.FairShareRanker",
        allow_priority_updates="on",
        dispatch_timeout_seconds="60",
        max_attempts="5",
        paused="on",
        deduplicate="on",
    )

    response = operator.post(change("scheduler", "boefje"), form, follow=True)

    assert response.status_code == 200
    scheduler = Scheduler.objects.get(pk="boefje")
    assert (scheduler.maxsize, scheduler.ranker, scheduler.allow_priority_updates) == (
        500,
        "rocky_scheduler.rankers.fair_share.FairShareRanker",
        True,
    )
    assert (scheduler.dispatch_timeout_seconds, scheduler.max_attempts, scheduler.paused) == (60, 5, True)
    assert scheduler.deduplicate is True


@pytest.mark.parametrize(
    "ranker", ["rocky_scheduler.rankers.nope.Missing", "rocky_scheduler.models.Task", "os.path.join", ""]
)
def test_a_ranker_that_is_not_a_ranker_class_is_refused(admin_client, ranker):
    response = admin_client.post(change("scheduler", "boefje"), scheduler_form(ranker=ranker))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ranker"]
    assert Scheduler.objects.get(pk="boefje").ranker == "rocky_scheduler.rankers.fifo.FifoRanker"


def test_the_ranker_input_suggests_the_shipped_rankers(admin_client):
    page = admin_client.get(change("scheduler", "boefje")).content.decode()

    assert 'list="rocky-scheduler-rankers"' in page
    assert '<option value="rocky_scheduler.rankers.aging.NewThenAgingRanker">' in page


def test_check_ranker_accepts_each_shipped_ranker():
    from rocky_scheduler.rankers import SHIPPED_RANKERS

    assert [check_ranker(path) for path in SHIPPED_RANKERS] == list(SHIPPED_RANKERS)


def test_the_scheduler_list_links_queue_depth_into_the_task_list(admin_client):
    push_tasks(2)

    page = admin_client.get(changelist("scheduler")).content.decode()

    assert "?scheduler__id__exact=boefje&amp;status__exact=queued" in page
    assert ">2</a>" in page
