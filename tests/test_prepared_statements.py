"""Pops and status changes run as prepared statements on PostgreSQL, or as plain ones for a pooler."""

import pytest
from django.db import connection

from rocky_scheduler.models import TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_push, task_transition
from tests.factories import boefje_data

pytestmark = pytest.mark.django_db


def _prepared_in_this_session() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'rocky_scheduler_%%'")
        return {row[0] for row in cursor.fetchall()}


def _pop_and_complete_three() -> list[str]:
    pushed = [task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5) for _ in range(3)]
    done = []
    for _ in pushed:
        (task,) = task_pop(scheduler_id="boefje", worker="w")
        assert task.status == TaskStatus.DISPATCHED
        done.append(str(task_transition(task_id=task.id, status="completed", actor="w").id))
    assert sorted(done) == sorted(str(task.id) for task in pushed)
    assert TaskEvent.objects.filter(task_id__in=done, to_status=TaskStatus.COMPLETED).count() == 3
    return done


def test_the_claim_and_the_transition_are_prepared_once_per_session():
    _pop_and_complete_three()

    assert {
        "rocky_scheduler_claim_candidates",
        "rocky_scheduler_transition_clear_reschedule",
    } <= _prepared_in_this_session()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_session_prepares_again():
    _pop_and_complete_three()
    connection.close()

    _pop_and_complete_three()

    assert "rocky_scheduler_claim_candidates" in _prepared_in_this_session()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_behind_a_session_sharing_pooler_nothing_is_prepared(settings):
    # PgBouncer in transaction mode hands each transaction another server session: prepared names would vanish.
    settings.ROCKY_SCHEDULER = {"PREPARED_STATEMENTS": False}
    connection.close()  # a session of its own, with nothing prepared by earlier tests

    _pop_and_complete_three()

    assert _prepared_in_this_session() == set()
