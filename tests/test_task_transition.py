"""Every allowed and every forbidden status change, through the one service that applies them."""

import itertools

import pytest

from rocky_scheduler.errors import DuplicateTask, IllegalTransition, InvalidInput, NotFound
from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_transition
from rocky_scheduler.state import TRANSITIONS
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

S = TaskStatus
ALLOWED = {
    (S.PENDING, S.QUEUED),
    (S.PENDING, S.CANCELLED),
    (S.QUEUED, S.CANCELLED),
    (S.DISPATCHED, S.RUNNING),
    (S.DISPATCHED, S.COMPLETED),
    (S.DISPATCHED, S.FAILED),
    (S.DISPATCHED, S.QUEUED),
    (S.DISPATCHED, S.CANCELLED),
    (S.RUNNING, S.RUNNING),
    (S.RUNNING, S.COMPLETED),
    (S.RUNNING, S.FAILED),
    (S.RUNNING, S.QUEUED),
    (S.RUNNING, S.CANCELLED),
}
ALL_PAIRS = list(itertools.product(S.values, S.values))


def test_the_map_is_the_design():
    # queued -> dispatched is in the map but reserved to pops; everything else is exactly DESIGN.md's list.
    from_map = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert from_map == ALLOWED | {(S.QUEUED, S.DISPATCHED)}


@pytest.mark.parametrize(("from_status", "to_status"), sorted(ALLOWED))
def test_allowed_transition_changes_status_and_writes_history(from_status, to_status):
    task = TaskFactory(status=from_status)
    result = task_transition(task_id=task.id, status=to_status, actor="user:alice", reason="because")
    task.refresh_from_db()
    assert result.status == task.status == to_status
    event = TaskEvent.objects.get(task=task)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        from_status,
        to_status,
        "user:alice",
        "because",
    )


@pytest.mark.parametrize(("from_status", "to_status"), sorted(set(ALL_PAIRS) - ALLOWED))
def test_forbidden_transition_is_refused_and_changes_nothing(from_status, to_status):
    task = TaskFactory(status=from_status)
    before = Task.objects.values().get(pk=task.pk)
    with pytest.raises(IllegalTransition):
        task_transition(task_id=task.id, status=to_status)
    assert Task.objects.values().get(pk=task.pk) == before
    assert not TaskEvent.objects.filter(task=task).exists()


def test_running_sets_a_run_lease_and_final_status_clears_it():
    task = TaskFactory(status=S.DISPATCHED)
    running = task_transition(task_id=task.id, status=S.RUNNING)
    assert running.lease_expires_at is not None
    done = task_transition(task_id=task.id, status=S.COMPLETED)
    assert done.lease_expires_at is None


def test_unknown_status_is_invalid_input():
    task = TaskFactory()
    with pytest.raises(InvalidInput) as error:
        task_transition(task_id=task.id, status="exploded")
    assert error.value.field == "status"


@pytest.mark.parametrize("task_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_task_is_not_found(task_id):
    with pytest.raises(NotFound):
        task_transition(task_id=task_id, status=S.CANCELLED)


def test_requeue_while_the_same_hash_is_queued_is_a_conflict():
    queued = TaskFactory(status=S.QUEUED)
    dispatched = TaskFactory(status=S.DISPATCHED, hash=queued.hash, data=queued.data)
    with pytest.raises(DuplicateTask):
        task_transition(task_id=dispatched.id, status=S.QUEUED)
    dispatched.refresh_from_db()
    assert dispatched.status == S.DISPATCHED


def test_refusal_names_the_plain_status_values():
    task = TaskFactory(status=S.COMPLETED)
    with pytest.raises(IllegalTransition) as error:
        task_transition(task_id=task.id, status=S.CANCELLED)
    assert error.value.message == "A task cannot go from 'completed' to 'cancelled'."


def test_requeue_conflict_names_the_scheduler():
    queued = TaskFactory(status=S.QUEUED)
    dispatched = TaskFactory(status=S.DISPATCHED, hash=queued.hash, data=queued.data)
    with pytest.raises(DuplicateTask) as error:
        task_transition(task_id=dispatched.id, status=S.QUEUED)
    assert "'boefje'" in error.value.message
