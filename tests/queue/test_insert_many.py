"""The store's batch insert: what a unique index refuses is left out, the rest written with history, bound read."""

import pytest

from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.store import get_store
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def unsaved(**fields) -> Task:
    return TaskFactory.build(**fields)


def test_refused_tasks_are_left_out_and_the_others_written_with_their_created_rows():
    queued = TaskFactory(hash="queued-already")
    fresh = [unsaved(hash=f"fresh-{i}") for i in range(3)]
    twin = unsaved(hash="fresh-1")
    refused = unsaved(hash="queued-already")

    inserted = get_store().insert_many([fresh[0], refused, fresh[1], twin, fresh[2]], actor="test", room_checked=False)

    assert inserted == {task.id for task in fresh}
    assert set(Task.objects.values_list("id", flat=True)) == {queued.id, *inserted}
    history = TaskEvent.objects.filter(task_id__in=inserted)
    assert sorted(history.values_list("kind", "to_status", "actor")) == [("created", TaskStatus.QUEUED, "test")] * 3
    assert {event.to_priority for event in history} == {5}
    assert Task.objects.get(pk=fresh[0].id).data == fresh[0].data


def test_a_bounded_scheduler_gets_nothing_unless_the_caller_counted_the_room():
    Scheduler.objects.filter(pk="boefje").update(maxsize=10)
    tasks = [unsaved(hash=f"h{i}") for i in range(2)]

    assert get_store().insert_many(tasks, actor="test", room_checked=False) == set()
    assert not Task.objects.exists()
    assert get_store().insert_many(tasks, actor="test", room_checked=True) == {task.id for task in tasks}
