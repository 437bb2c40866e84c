"""A rescheduling batch's write (`queue_due`): the PostgreSQL store's single statement writes, row for row, what the
ORM store writes in several: tasks with their `created` rows, deadlines cleared with DEADLINE rows, QUEUED rows;
a refused task leaves its schedule untouched. On SQLite only the ORM store runs (compared with what is expected)."""

import datetime
import uuid

import pytest
from django.db import connection

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Schedule, ScheduleEvent, Scheduler, Task, TaskEvent
from rocky_scheduler.queue.store import DueRequest, DueTask, OrmTaskStore, PostgresqlTaskStore
from tests.factories import TaskFactory, boefje_data

pytestmark = pytest.mark.django_db

STORES = {"postgresql": PostgresqlTaskStore(), "orm": OrmTaskStore()}
if connection.vendor != "postgresql":
    del STORES["postgresql"]

# Microseconds that a millisecond JSON encoding would lose.
NOW = datetime.datetime(2026, 12, 6, 20, 0, 0, 123456, tzinfo=datetime.UTC)
ACTOR = "system:rescheduler"
REASON = "rescheduled: its work is queued or active"


def due_schedule(tag: str, minutes_ago: int) -> Schedule:
    data = boefje_data(ooi=f"Hostname|internet|{tag}.example.com")
    return Schedule.objects.create(
        scheduler_id="boefje",
        organisation="acme",
        hash=digest(tag),
        data=data,
        deadline_at=NOW - datetime.timedelta(minutes=minutes_ago, microseconds=7),
    )


def due_task(schedule: Schedule, index: int, *, key: uuid.UUID | None = None) -> DueTask:
    task_id = uuid.uuid4()
    return DueTask(
        task_id,
        schedule.pk,
        schedule.organisation,
        3 + index,
        schedule.hash,
        {**schedule.data, "id": str(task_id), "nested": {"n": [1, 2.5, None, "é"]}},
        key,
        NOW + datetime.timedelta(microseconds=index),
        schedule.deadline_at,
    )


def request(tasks: list[DueTask], *, room_checked: bool) -> DueRequest:
    return DueRequest(tasks, "boefje", "boefje", room_checked, now=NOW, actor=ACTOR, deadline_reason=REASON)


def written(schedules: list[Schedule], tasks: list[DueTask]) -> dict:
    """Everything the write left, with the ids that differ per store replaced by their position in the batch."""
    position = {task.id: index for index, task in enumerate(tasks)} | {
        schedule.pk: index for index, schedule in enumerate(schedules)
    }
    task_rows = [
        (position[task.id], position[task.schedule_id], task.organisation, task.priority, task.status, task.type)
        + (task.scheduler_id, task.data.get("nested"), task.deduplication_key, task.created_at, task.modified_at)
        + (task.attempts, task.lease_owner)
        for task in Task.objects.filter(pk__in=position).order_by("created_at")
    ]
    task_history = list(
        TaskEvent.objects.filter(task_id__in=position)
        .order_by("id")
        .values_list("kind", "at", "from_status", "to_status", "to_priority", "actor", "reason")
    )
    schedule_rows = [
        (position[pk], deadline, modified)
        for pk, deadline, modified in Schedule.objects.filter(pk__in=position).values_list(
            "pk", "deadline_at", "modified_at"
        )
    ]
    schedule_history = [
        (position[pk], *rest)
        for pk, *rest in ScheduleEvent.objects.filter(schedule_id__in=position)
        .order_by("id")
        .values_list("schedule_id", "at", "kind", "actor", "reason", "deadline_from", "deadline_to")
    ]
    return {
        "tasks": task_rows,
        "task history": task_history,
        "schedules": sorted(schedule_rows),
        "history": schedule_history,
    }


@pytest.mark.parametrize("store_name", list(STORES))
def test_queued_tasks_clear_their_deadlines_with_history_and_a_refused_one_leaves_its_schedule(store_name):
    key = uuid.uuid4()
    schedules = [due_schedule(f"{store_name}-{i}", minutes_ago=3 - i) for i in range(3)]
    taken = TaskFactory(hash=schedules[1].hash)  # the same work queued by hand: this task is refused
    tasks = [due_task(schedule, index, key=key if index == 2 else None) for index, schedule in enumerate(schedules)]
    before = schedules[1].deadline_at

    inserted = STORES[store_name].queue_due(request(tasks, room_checked=False))

    assert inserted == {tasks[0].id, tasks[2].id}
    rows = written(schedules, tasks)
    nested = {"n": [1, 2.5, None, "é"]}
    assert rows["tasks"] == [
        (0, 0, "acme", 3, "queued", "boefje", "boefje", nested, None, NOW, NOW, 0, ""),
        (
            2,
            2,
            "acme",
            5,
            "queued",
            "boefje",
            "boefje",
            nested,
            key,
            *[NOW + datetime.timedelta(microseconds=2)] * 2,
            0,
            "",
        ),
    ]
    assert rows["task history"] == [
        ("created", at, "", "queued", priority, ACTOR, "")
        for at, priority in [(tasks[0].created_at, 3), (tasks[2].created_at, 5)]
    ]
    assert rows["schedules"] == [(0, None, NOW), (1, before, schedules[1].modified_at), (2, None, NOW)]
    deadline, queued = ScheduleEvent.Kind.DEADLINE, ScheduleEvent.Kind.QUEUED
    assert rows["history"] == [
        (0, NOW, deadline, ACTOR, REASON, schedules[0].deadline_at, None),
        (2, NOW, deadline, ACTOR, REASON, schedules[2].deadline_at, None),
        (0, NOW, queued, ACTOR, "", None, None),
        (2, NOW, queued, ACTOR, "", None, None),
    ]
    assert Task.objects.get(pk=taken.pk).status == "queued"


@pytest.mark.parametrize("store_name", list(STORES))
def test_a_bounded_scheduler_gets_nothing_and_its_schedules_stay_due_unless_the_room_was_counted(store_name):
    Scheduler.objects.filter(pk="boefje").update(maxsize=10)
    schedules = [due_schedule(f"bounded-{store_name}-{i}", minutes_ago=1) for i in range(2)]
    tasks = [due_task(schedule, index) for index, schedule in enumerate(schedules)]
    store = STORES[store_name]

    assert store.queue_due(request(tasks, room_checked=False)) == set()
    assert not Task.objects.exists() and not ScheduleEvent.objects.exists()
    assert all(schedule.deadline_at is not None for schedule in Schedule.objects.all())
    counted = store.queue_due(request(tasks, room_checked=True))
    assert counted == {task.id for task in tasks}
    assert not Schedule.objects.filter(deadline_at__isnull=False).exists()
