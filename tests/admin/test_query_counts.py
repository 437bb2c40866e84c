"""List pages cost a fixed number of queries, however many rows there are (no N+1)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Schedule, Task, TaskEvent, TaskStatus
from tests.admin.conftest import change, changelist
from tests.factories import boefje_data, bulk_backlog

pytestmark = pytest.mark.django_db

STATUSES = list(TaskStatus.values)


def add_tasks(count: int) -> list[Task]:
    tasks = bulk_backlog(count)
    # A realistic mix: some leased or finished, which the list renders differently (read-only priority).
    for index, task in enumerate(tasks):
        task.status = STATUSES[index % len(STATUSES)]
    Task.objects.bulk_update(tasks, ["status"], batch_size=1000)
    return tasks


def add_history(tasks: list[Task]) -> None:
    now = timezone.now()
    TaskEvent.objects.bulk_create(
        [TaskEvent(task=task, at=now, kind="created", to_status="queued", actor="system:test") for task in tasks],
        batch_size=1000,
    )


def add_schedules(count: int) -> None:
    schedules = []
    for _ in range(count):
        data = boefje_data()
        schedules.append(
            Schedule(
                id=uuid.uuid4(),
                scheduler_id="boefje",
                organisation="acme",
                hash=digest(f"{data['input_ooi']}-dns-records-acme"),
                data=data,
                deadline_at=timezone.now(),
            )
        )
    Schedule.objects.bulk_create(schedules, batch_size=1000)


def queries_for(client, url: str) -> tuple[int, int]:
    """(queries, rows shown) for one page view, after one view that fills process-wide caches."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(response.context["cl"].result_list)


@pytest.mark.parametrize("query", ["", "?status__exact=queued", "?q=dns-records", "?o=4"])
def test_task_list_costs_the_same_for_10_and_1000_tasks(analyst_client, query):
    add_tasks(10)
    small, shown_small = queries_for(analyst_client, changelist("task") + query)
    add_tasks(990)
    large, shown_large = queries_for(analyst_client, changelist("task") + query)

    assert large == small
    assert shown_large >= shown_small


def test_task_list_shows_a_full_page_of_editable_rows_in_a_few_queries(analyst_client):
    add_tasks(1000)

    count, shown = queries_for(analyst_client, changelist("task"))

    assert shown == 100
    # Session, user, permissions, filter choices, one page count, one page of rows.
    assert count <= 12


def test_history_list_costs_the_same_for_10_and_1000_events(analyst_client):
    add_history(add_tasks(10))
    small, _ = queries_for(analyst_client, changelist("taskevent"))
    add_history(add_tasks(990))
    large, shown = queries_for(analyst_client, changelist("taskevent"))

    assert large == small
    assert shown == 100


def test_schedule_list_costs_the_same_for_10_and_1000_schedules(admin_client):
    add_schedules(10)
    small, _ = queries_for(admin_client, changelist("schedule"))
    add_schedules(990)
    large, shown = queries_for(admin_client, changelist("schedule"))

    assert large == small
    assert shown == 100


def test_scheduler_list_counts_queues_in_one_query(admin_client):
    add_tasks(10)
    small, _ = queries_for(admin_client, changelist("scheduler"))
    add_tasks(990)
    large, _ = queries_for(admin_client, changelist("scheduler"))

    assert large == small


def test_task_page_costs_the_same_however_long_the_history(analyst_client):
    [task] = add_tasks(1)
    add_history([task] * 3)
    analyst_client.get(change("task", task.pk))  # warms the content-type cache
    with CaptureQueriesContext(connection) as short:
        analyst_client.get(change("task", task.pk))
    add_history([task] * 500)
    with CaptureQueriesContext(connection) as long:
        response = analyst_client.get(change("task", task.pk))

    assert len(long) == len(short)
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 200
