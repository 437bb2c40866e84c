"""The task list's actions: each goes through a service, names the acting user in the history,
and reports how many rows it changed and why it refused the others."""

import pytest

from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from tests.admin.conftest import changelist, messages_of, push_tasks, run_action, staff_client
from tests.factories import TaskFactory
from tests.support.users import actor

pytestmark = pytest.mark.django_db

S = TaskStatus


def statuses(tasks: list[Task]) -> list[str]:
    return [Task.objects.get(pk=task.pk).status for task in tasks]


def last_event(task: Task) -> TaskEvent:
    return TaskEvent.objects.filter(task=task).order_by("-at", "-id").first()


def test_move_to_front_gives_queued_tasks_priority_1_and_refuses_the_rest(analyst_client):
    queued = push_tasks(3, priority=40)
    dispatched, completed = TaskFactory(status=S.DISPATCHED), TaskFactory(status=S.COMPLETED)

    response = run_action(analyst_client, "task", "move_to_front", [*queued, dispatched, completed])

    assert response.status_code == 200
    assert [Task.objects.get(pk=task.pk).priority for task in queued] == [1, 1, 1]
    assert Task.objects.get(pk=dispatched.pk).priority == dispatched.priority
    for task in queued:
        event = last_event(task)
        assert (event.kind, event.from_priority, event.to_priority, event.actor) == ("priority", 40, 1, actor("ana"))
    assert not TaskEvent.objects.filter(task__in=[dispatched, completed]).exists()
    assert messages_of(response) == [
        "Moved 3 tasks to the front of their queue.",
        "1 task refused: Only queued tasks can be re-prioritised; this one is 'completed'.",
        "1 task refused: Only queued tasks can be re-prioritised; this one is 'dispatched'.",
    ]


def test_cancel_stops_live_tasks_and_refuses_final_ones(analyst_client):
    queued = push_tasks(2)
    running, dispatched = TaskFactory(status=S.RUNNING), TaskFactory(status=S.DISPATCHED)
    completed, cancelled = TaskFactory(status=S.COMPLETED), TaskFactory(status=S.CANCELLED)

    response = run_action(analyst_client, "task", "cancel", [*queued, running, dispatched, completed, cancelled])

    assert statuses([*queued, running, dispatched]) == [S.CANCELLED] * 4
    assert statuses([completed]) == [S.COMPLETED]
    for task in [*queued, running, dispatched]:
        event = last_event(task)
        assert (event.to_status, event.actor, event.reason) == (S.CANCELLED, actor("ana"), "cancelled in the admin")
    assert messages_of(response) == [
        "Cancelled 4 tasks.",
        "1 task refused: A task cannot go from 'cancelled' to 'cancelled'.",
        "1 task refused: A task cannot go from 'completed' to 'cancelled'.",
    ]


def test_requeue_puts_leased_tasks_back_and_refuses_queued_and_final(analyst_client):
    dispatched = TaskFactory(status=S.DISPATCHED, lease_owner="worker-1")
    running = TaskFactory(status=S.RUNNING, lease_owner="worker-2")
    queued, failed = push_tasks(1)[0], TaskFactory(status=S.FAILED)

    response = run_action(analyst_client, "task", "requeue", [dispatched, running, queued, failed])

    assert statuses([dispatched, running, queued, failed]) == [S.QUEUED, S.QUEUED, S.QUEUED, S.FAILED]
    assert Task.objects.get(pk=running.pk).lease_owner == ""
    assert [(last_event(t).from_status, last_event(t).actor) for t in (dispatched, running)] == [
        (S.DISPATCHED, actor("ana")),
        (S.RUNNING, actor("ana")),
    ]
    assert messages_of(response) == [
        "Requeued 2 tasks.",
        "1 task refused: A task cannot go from 'failed' to 'queued'.",
        "1 task refused: A task cannot go from 'queued' to 'queued'.",
    ]


def test_requeue_refuses_a_task_whose_hash_is_queued_again(analyst_client):
    running = TaskFactory(status=S.RUNNING)
    TaskFactory(status=S.QUEUED, data=running.data, hash=running.hash)

    response = run_action(analyst_client, "task", "requeue", [running])

    assert statuses([running]) == [S.RUNNING]
    [message] = messages_of(response)
    assert message.startswith("1 task refused: A task with this hash is already queued on scheduler")


def test_retry_pushes_a_copy_of_finished_tasks_with_a_new_id(admin_client):
    completed, failed = TaskFactory(status=S.COMPLETED, priority=300), TaskFactory(status=S.FAILED)
    running = TaskFactory(status=S.RUNNING)

    response = run_action(admin_client, "task", "retry", [completed, failed, running])

    assert statuses([completed, failed, running]) == [S.COMPLETED, S.FAILED, S.RUNNING]
    for original in (completed, failed):
        copy = Task.objects.exclude(pk=original.pk).get(hash=original.hash)
        assert (copy.status, copy.priority, copy.organisation) == (S.QUEUED, 1, original.organisation)
        # The same work under the copy's own id (the runner reads the task id in data.id).
        assert copy.data == {**original.data, "id": str(copy.pk)}
        created = TaskEvent.objects.get(task=copy, kind="created")
        assert (created.actor, created.reason) == (actor("admin"), f"retry of task {original.pk}")
    assert messages_of(response) == [
        "Retried 2 tasks (queued as new tasks at priority 1).",
        "1 task refused: Only completed, failed or cancelled tasks can be retried; this one is 'running'.",
    ]


def test_retrying_the_same_work_twice_queues_it_once(admin_client):
    first = TaskFactory(status=S.FAILED)
    second = TaskFactory(status=S.FAILED, data=first.data, hash=first.hash)

    response = run_action(admin_client, "task", "retry", [first, second])

    assert Task.objects.filter(hash=first.hash, status=S.QUEUED).count() == 1
    assert messages_of(response) == [
        "Retried 1 task (queued as new tasks at priority 1).",
        "1 task refused: A task with this hash is already queued on scheduler 'boefje'.",
    ]


def test_retry_keeps_a_data_id_in_step_with_the_new_task_id(admin_client):
    original = TaskFactory(status=S.COMPLETED)
    original.data["id"] = str(original.pk)
    Task.objects.filter(pk=original.pk).update(data=original.data)

    run_action(admin_client, "task", "retry", [original])

    copy = Task.objects.get(hash=original.hash, status=S.QUEUED)
    assert copy.data["id"] == str(copy.pk) != str(original.pk)


def test_a_user_with_push_task_may_retry_but_an_analyst_is_not_offered_it(analyst_client):
    failed = TaskFactory(status=S.FAILED)
    pusher = staff_client("pia", groups=("scheduler-readonly",), permissions=("push_task",))

    offered = analyst_client.get(changelist("task")).context["action_form"].fields["action"].choices
    assert "retry" not in dict(offered)
    assert {"move_to_front", "requeue", "cancel"} <= set(dict(offered))

    run_action(analyst_client, "task", "retry", [failed])
    assert not Task.objects.filter(status=S.QUEUED).exists()

    response = run_action(pusher, "task", "retry", [failed])
    assert Task.objects.filter(hash=failed.hash, status=S.QUEUED).count() == 1
    assert messages_of(response) == ["Retried 1 task (queued as new tasks at priority 1)."]


def test_an_action_over_too_many_rows_is_refused_whole(analyst_client, monkeypatch):
    monkeypatch.setattr("rocky_scheduler.admin.common.ACTION_LIMIT", 2)
    queued = push_tasks(3)

    response = run_action(analyst_client, "task", "cancel", queued)

    assert statuses(queued) == [S.QUEUED] * 3
    assert messages_of(response) == [
        "More than 2 selected; an action runs on at most 2 at a time. Filter the list first."
    ]
