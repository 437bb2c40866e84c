"""Every schedule call of the client, its plain answers validated by Rocky's models."""

import datetime
import uuid

import pytest
from pydantic import TypeAdapter

from rocky_scheduler.client import SchedulerClient
from rocky_scheduler.models import Schedule
from tests.client import rocky_stand_in
from tests.support import openkat_models
from tests.support.users import actor

pytestmark = pytest.mark.django_db

DEADLINE = "2030-01-01T09:00:00+00:00"


def report_request(organisation: str = "acme", recipe: str | None = None) -> rocky_stand_in.ScheduleRequest:
    """As Rocky's create_report_schedule builds it."""
    return rocky_stand_in.ScheduleRequest(
        scheduler_id="report",
        organisation=organisation,
        data={"organisation_id": organisation, "report_recipe_id": recipe or str(uuid.uuid4())},
        schedule="0 9 * * 1",
        deadline_at=DEADLINE,
    )


def test_post_schedule_answers_the_schedule_rocky_parses(client):
    schedule = openkat_models.ScheduleResponse.model_validate(client.post_schedule(report_request()))
    assert schedule.deadline_at == datetime.datetime.fromisoformat(DEADLINE)
    assert Schedule.objects.get().id == schedule.id


def test_post_schedule_takes_a_date_only_deadline_as_rockys_recipe_api_sends(client):
    request = report_request().model_copy(update={"deadline_at": "2030-01-01"})
    assert client.post_schedule(request)["deadline_at"].startswith("2030-01-01")


def test_list_schedules_and_details(client):
    created = client.post_schedule(report_request())
    page = openkat_models.PaginatedSchedulesResponse.model_validate(client.list_schedules(scheduler_id="report"))
    assert [schedule.id for schedule in page.results] == [uuid.UUID(created["id"])]
    details = openkat_models.ScheduleResponse.model_validate(client.get_schedule_details(created["id"]))
    assert details.hash == created["hash"]


def test_post_schedule_search_finds_a_recipe_of_this_organisation_only(client, superuser):
    recipe = str(uuid.uuid4())
    client.post_schedule(report_request(recipe=recipe))
    by_recipe = {"filters": [{"column": "data", "field": "report_recipe_id", "operator": "eq", "value": recipe}]}
    found = openkat_models.PaginatedSchedulesResponse.model_validate(client.post_schedule_search(by_recipe))
    assert found.count == 1
    other = SchedulerClient("globex", user=superuser)
    assert other.post_schedule_search(by_recipe)["count"] == 0
    # Rocky's client appends to the caller's list; this one leaves it as it was.
    assert len(by_recipe["filters"]) == 1


def test_get_scheduled_reports_lists_this_organisations_report_schedules(client, superuser):
    client.post_schedule(report_request())
    SchedulerClient("globex", user=superuser).post_schedule(report_request("globex"))
    reports = TypeAdapter(list[openkat_models.ScheduleResponse]).validate_python(client.get_scheduled_reports())
    assert [schedule.organisation for schedule in reports] == ["acme"]


def test_patch_schedule_changes_what_rocky_sends(client):
    created = client.post_schedule(report_request())
    params = {"schedule": "0 10 * * *", "deadline_at": "2031-01-01", "enabled": False}
    assert client.patch_schedule(schedule_id=created["id"], params=params) is None
    schedule = Schedule.objects.get()
    assert (schedule.schedule, schedule.enabled, schedule.deadline_at.year) == ("0 10 * * *", False, 2031)
    assert schedule.events.get(kind="disabled").actor == actor("root")
    # The first deadline and the new one are in the history too, under the same name.
    assert [event.actor for event in schedule.events.filter(kind="deadline")] == [actor("root")] * 2


def test_delete_schedule_removes_it(client):
    created = client.post_schedule(report_request())
    assert client.delete_schedule(created["id"]) is None
    assert not Schedule.objects.exists()
