"""The store's reads on the scheduling hot path give the same answers on PostgreSQL and SQLite."""

import datetime

import pytest
from django.utils import timezone

from rocky_scheduler.models import TaskStatus
from rocky_scheduler.queue.store import get_store
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_last_completed_at_is_the_latest_completion_of_that_hash_in_that_scheduler():
    now = timezone.now().replace(microsecond=0)
    hours = [datetime.timedelta(hours=h) for h in range(5)]
    TaskFactory(hash="h", status=TaskStatus.COMPLETED, modified_at=now - hours[3])
    TaskFactory(hash="h", status=TaskStatus.COMPLETED, modified_at=now - hours[2])
    # Not completions of this work here: failed, another scheduler, another hash.
    TaskFactory(hash="h", status=TaskStatus.FAILED, modified_at=now - hours[1])
    TaskFactory(hash="h", scheduler_id="normalizer", status=TaskStatus.COMPLETED, modified_at=now)
    TaskFactory(hash="other", status=TaskStatus.COMPLETED, modified_at=now)

    store = get_store()
    assert store.last_completed_at(scheduler_id="boefje", hash="h") == now - hours[2]
    assert store.last_completed_at(scheduler_id="boefje", hash="never") is None
    assert store.boefje_run_state(scheduler_id="boefje", hash="h", automatic_actor="system") == (now - hours[2], False)
