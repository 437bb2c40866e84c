"""Housekeeping, the django-q2 schedules, and the HTTP ingest endpoints."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule as QSchedule

from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services.housekeeping import _delete_in_batches, housekeeping_run
from tests.factories import TaskFactory
from tests.scheduling.conftest import mutation, raw_file
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db


@override_settings(ROCKY_SCHEDULER={"TASK_RETENTION_DAYS": 30, "HISTORY_RETENTION_DAYS": 10})
def test_housekeeping_deletes_old_finished_tasks_and_history_only():
    old = timezone.now() - datetime.timedelta(days=40)
    old_done = TaskFactory.create_batch(25, status=TaskStatus.COMPLETED, created_at=old, modified_at=old)
    old_queued = TaskFactory(status=TaskStatus.QUEUED, created_at=old, modified_at=old)
    # Created long ago, finished within the retention period: kept.
    late_finish = TaskFactory(status=TaskStatus.COMPLETED, created_at=old, modified_at=timezone.now())
    recent_done = TaskFactory(status=TaskStatus.FAILED)
    TaskEvent.objects.create(task=old_queued, at=old, kind="created")
    TaskEvent.objects.create(task=recent_done, kind="created")

    result = housekeeping_run(batch_size=10)
    assert result.tasks_deleted == 25
    assert not Task.objects.filter(pk__in=[t.pk for t in old_done]).exists()
    assert Task.objects.filter(pk__in=[old_queued.pk, recent_done.pk, late_finish.pk]).count() == 3
    assert list(TaskEvent.objects.values_list("task_id", flat=True)) == [recent_done.pk]


def test_a_slow_retention_batch_makes_the_next_ones_smaller_and_quick_ones_grow_back():
    old = timezone.now() - datetime.timedelta(days=200)
    task = TaskFactory(status=TaskStatus.QUEUED)
    TaskEvent.objects.bulk_create([TaskEvent(task=task, at=old, kind="created") for _ in range(400)])
    # The clock is read at the start and the end of each batch: the first two take 2 s, the rest 10 ms.
    ticks = iter([0.0, 2.0, 2.0, 4.0] + [4.0 + step / 100 for step in range(1, 20) for _ in range(2)])
    deletes: list[int] = []

    def record(execute, sql, params, many, context):
        if sql.startswith("DELETE"):
            deletes.append(len(params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        deleted = _delete_in_batches(
            TaskEvent.objects.filter(at__lt=timezone.now()).order_by("at"),
            TaskEvent,
            120,
            monotonic=lambda: next(ticks),
        )
    assert deleted == 400 and not TaskEvent.objects.exists()
    # 120 was slow: 60; slow again: 50 (the floor); quick: 100, then the 70 left.
    assert deletes == [120, 60, 50, 100, 70]


def test_setup_schedules_is_idempotent():
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    names = sorted(QSchedule.objects.values_list("name", flat=True))
    assert names == [
        "rocky_scheduler.housekeeping",
        "rocky_scheduler.ingest",
        "rocky_scheduler.lease_expiry",
        "rocky_scheduler.plugin_reconcile",
        "rocky_scheduler.reschedule",
        "rocky_scheduler.task_counts",
    ]
    assert all(func.startswith("rocky_scheduler.") for func in QSchedule.objects.values_list("func", flat=True))


def test_django_q_jobs_run_their_services(catalogue):
    from rocky_scheduler import jobs

    assert jobs.expire_leases() == {"requeued": 0, "failed": 0}
    assert jobs.reschedule_due() == {
        "queued": 0,
        "disabled": 0,
        "skipped": 0,
        "batches": 0,
        "longest_batch_seconds": 0.0,
        "stopped_early": False,
    }
    assert jobs.housekeeping()["tasks_deleted"] == 0
    assert jobs.task_counts_fold()["deltas"] == 0


def test_http_ingest_of_a_list_of_mutations(admin_api, either_catalogue):
    messages = [mutation(f"Hostname|internet|h{i}.com", "Hostname", 1) for i in range(3)]
    response = admin_api.post(f"{PREFIX}/ingest/scan_profile_mutations", messages, format="json")
    assert response.status_code == 202
    assert response.json()["scheduled"] == 3
    assert Task.objects.filter(scheduler_id="boefje").count() == 3


def test_http_ingest_of_one_raw_file(admin_api, either_catalogue):
    response = admin_api.post(f"{PREFIX}/ingest/raw_file_received/", raw_file(["boefje/nmap"]), format="json")
    assert (response.status_code, response.json()["scheduled"]) == (202, 1)
    assert Task.objects.get().data["normalizer"]["id"] == "kat_nmap_normalize"


def test_http_ingest_refuses_a_batch_with_a_bad_message_and_applies_none(admin_api, catalogue):
    messages = [mutation("Hostname|internet|ok.com", "Hostname", 1), {"operation": "create", "client_id": "acme"}]
    response = admin_api.post(f"{PREFIX}/ingest/scan_profile_mutations", messages, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("message 1:")
    assert not Task.objects.exists()


def test_http_ingest_needs_push_permission(readonly_api, catalogue):
    response = readonly_api.post(
        f"{PREFIX}/ingest/scan_profile_mutations", mutation("Hostname|internet|a.com", "Hostname", 1), format="json"
    )
    assert response.status_code == 403
    assert not Task.objects.exists()
