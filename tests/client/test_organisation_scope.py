"""The in-process client under the access policy: Rocky's views, acting as a scoped user, find only that user's
organisations; the process itself (no user) sees all. Both projects (tests/support/access.py)."""

import pytest
from django.contrib.auth.models import Permission

from rocky_scheduler import client as errors
from rocky_scheduler.access import MAY_NOT_CHANGE_ORGANISATION
from rocky_scheduler.client import SchedulerClient
from rocky_scheduler.models import Task, TaskStatus
from tests.factories import boefje_data
from tests.support.users import user_in

pytestmark = pytest.mark.django_db

OWN, OTHER = "alpha", "beta"


def push_item(organisation: str) -> dict:
    return {"scheduler_id": "boefje", "organisation": organisation, "data": boefje_data(organisation=organisation)}


@pytest.fixture
def pushed() -> dict[str, str]:
    process = SchedulerClient(None)
    for organisation in (OWN, OTHER):
        process.push_task(push_item(organisation))
    return dict(Task.objects.values_list("organisation", "id"))


@pytest.fixture
def analyst(scope_to):
    user = scope_to(user_in("scheduler-analysts", "alpha-analyst"), [OWN])
    user.user_permissions.add(Permission.objects.get(codename="push_task", content_type__app_label="rocky_scheduler"))
    return user


def test_a_scoped_user_reads_only_its_organisation(analyst, pushed):
    client = SchedulerClient(OWN, user=analyst)
    assert [task["organisation"] for task in client.list_tasks()["results"]] == [OWN]
    assert client.get_task_details(str(pushed[OWN]))["organisation"] == OWN
    with pytest.raises(errors.SchedulerTaskNotFound):
        client.get_task_details(str(pushed[OTHER]))
    assert {queue["id"]: queue["size"] for queue in client.get_queues()}["boefje"] == 1
    stats = client.get_task_stats_for_all_organizations("boefje")
    assert sum(hour["total"] for hour in stats.values()) == 1
    assert {schedule["organisation"] for schedule in client.list_schedules()["results"]} == {OWN}


def test_a_scoped_user_changes_nothing_of_another_organisation(analyst, pushed):
    client = SchedulerClient(OWN, user=analyst)
    with pytest.raises(errors.SchedulerPermissionError) as raised:
        client.push_task(push_item(OTHER))
    assert raised.value.message == MAY_NOT_CHANGE_ORGANISATION.format(organisation=OTHER)
    with pytest.raises(errors.SchedulerTaskNotFound):
        client.patch_task(str(pushed[OTHER]), "cancelled")
    assert Task.objects.get(pk=pushed[OTHER]).status == TaskStatus.QUEUED
    client.patch_task(str(pushed[OWN]), "cancelled")
    assert Task.objects.get(pk=pushed[OWN]).status == TaskStatus.CANCELLED


def test_the_process_itself_sees_every_organisation(scope_to, pushed):
    assert SchedulerClient(None).list_tasks()["count"] == 2
