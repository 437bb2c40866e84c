"""bench/scale_data.py at a tiny scale builds the data set bench/scale_bench.py promises (issue 16, point 1)."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from bench.scale_data import Counts, build, expected_rows
from rocky_scheduler.models import OOI, Organisation, PluginEnablement, Schedule, ScheduleEvent, Task, TaskEvent

SCALE = 0.0005

pytestmark = pytest.mark.django_db


def _indexes_and_keys() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT indexname FROM pg_indexes WHERE tablename LIKE 'rocky_scheduler_%%'
               UNION ALL SELECT conname FROM pg_constraint WHERE conrelid::regclass::text LIKE 'rocky_scheduler_%%'"""
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def schema_before() -> set[str]:
    return _indexes_and_keys()


@pytest.fixture
def built(schema_before: set[str]) -> Counts:
    counts = Counts.at(SCALE)
    with connection.cursor() as cursor:
        build(cursor, counts)
    return counts


def test_tiny_scale_keeps_the_proportions_and_the_schema(built: Counts, schema_before: set[str]):
    assert built.as_dict() == {
        "organisations": 1,
        "oois": 500,
        "schedules": 500,
        "finished": 5000,
        "queued": 500,
        "boefjes": 20,
    }
    tables = {
        "rocky_scheduler_organisation": Organisation,
        "rocky_scheduler_pluginenablement": PluginEnablement,
        "rocky_scheduler_ooi": OOI,
        "rocky_scheduler_schedule": Schedule,
        "rocky_scheduler_task": Task,
    }
    for table, count in expected_rows(built).items():
        if table in tables:
            assert tables[table].objects.count() == count, table
    assert PluginEnablement.objects.filter(enabled=True, plugin__type="boefje").count() == 20 * built.organisations
    assert set(OOI.objects.values_list("scan_level", flat=True)) == {0, 1, 2, 3, 4}
    assert Task.objects.filter(status="queued").count() == built.queued
    assert set(Task.objects.exclude(status="queued").values_list("status", flat=True)) == {
        "completed",
        "failed",
        "cancelled",
    }
    # The indexes and keys dropped for the load are all back.
    assert _indexes_and_keys() == schema_before


def test_finished_tasks_span_90_days_with_the_history_the_app_writes(built: Counts):
    now = timezone.now()
    finished = Task.objects.exclude(status="queued")
    oldest = finished.order_by("created_at").first().created_at
    newest = finished.order_by("-created_at").first().created_at
    assert now - datetime.timedelta(days=90) <= oldest < now - datetime.timedelta(days=89)
    assert now - datetime.timedelta(days=1) < newest <= now
    cancelled = finished.filter(status="cancelled").count()
    assert TaskEvent.objects.count() == 4 * built.finished - 2 * cancelled + built.queued
    failed = finished.filter(status="failed").first()
    assert list(TaskEvent.objects.filter(task=failed).order_by("at", "id").values_list("from_status", "to_status")) == [
        ("", "queued"),
        ("queued", "dispatched"),
        ("dispatched", "running"),
        ("running", "failed"),
    ]
    # Each `created` row records the priority the task was queued with.
    assert not TaskEvent.objects.filter(kind="created").exclude(to_priority=F("task__priority")).exists()
    boefje_tasks = finished.filter(type="boefje")
    assert ScheduleEvent.objects.filter(kind="queued").count() == boefje_tasks.count()
    assert not boefje_tasks.filter(schedule__isnull=True).exists()
    # A schedule with a queued task has no deadline: queuing it cleared it.
    assert not Schedule.objects.filter(tasks__status="queued", deadline_at__isnull=False).exists()
