"""/schedulers, /queues and /schedules."""

import pytest

from rocky_scheduler.models import Schedule, Scheduler
from tests.factories import TaskFactory, boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db


def test_schedulers_list_and_detail(admin_api):
    TaskFactory.create_batch(2)
    listed = admin_api.get(f"{PREFIX}/schedulers").json()
    assert [s["id"] for s in listed] == ["boefje", "normalizer", "report"]
    boefje = listed[0]
    assert (boefje["type"], boefje["item_type"], boefje["qsize"]) == ("boefje", "BoefjeTask", 2)
    assert boefje["last_activity"] is not None
    assert admin_api.get(f"{PREFIX}/schedulers/boefje/").json()["qsize"] == 2
    assert admin_api.get(f"{PREFIX}/schedulers/nope").status_code == 404


def test_queues(admin_api):
    TaskFactory()
    assert admin_api.get(f"{PREFIX}/queues").json() == [
        {"id": "boefje", "size": 1},
        {"id": "normalizer", "size": 0},
        {"id": "report", "size": 0},
    ]
    assert admin_api.get(f"{PREFIX}/queues/boefje").json() == {"id": "boefje", "size": 1}


def test_staff_patches_scheduler_settings(admin_api):
    response = admin_api.patch(f"{PREFIX}/schedulers/boefje", {"maxsize": 50, "paused": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["maxsize"], response.json()["paused"]) == (50, True)
    scheduler = Scheduler.objects.get(pk="boefje")
    assert (scheduler.maxsize, scheduler.paused) == (50, True)


@pytest.mark.parametrize("body", [{"maxsize": -1}, {"ranker": "os.system"}, {"ranker": "no.such.Ranker"}, {}])
def test_bad_scheduler_patch_is_400(admin_api, body):
    response = admin_api.patch(f"{PREFIX}/schedulers/boefje", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_non_staff_cannot_patch_schedulers(worker_api):
    assert worker_api.patch(f"{PREFIX}/schedulers/boefje", {"paused": True}, format="json").status_code == 403
    assert Scheduler.objects.get(pk="boefje").paused is False


def test_schedule_create_list_search_patch_delete(admin_api):
    body = {"scheduler_id": "boefje", "organisation": "acme", "data": boefje_data(), "schedule": "0 * * * *"}
    created = admin_api.post(f"{PREFIX}/schedules", body, format="json")
    assert created.status_code == 201, created.json()
    schedule = created.json()
    assert schedule["deadline_at"] is not None and schedule["enabled"] is True
    assert admin_api.post(f"{PREFIX}/schedules", body, format="json").status_code == 409

    page = admin_api.get(f"{PREFIX}/schedules?scheduler_id=boefje").json()
    assert [s["id"] for s in page["results"]] == [schedule["id"]]
    search = {"filters": [{"column": "organisation", "operator": "eq", "value": "acme"}]}
    assert admin_api.post(f"{PREFIX}/schedules/search", search, format="json").json()["count"] == 1

    patched = admin_api.patch(f"{PREFIX}/schedules/{schedule['id']}", {"enabled": False}, format="json")
    assert patched.json()["enabled"] is False
    assert admin_api.delete(f"{PREFIX}/schedules/{schedule['id']}").status_code == 204
    assert not Schedule.objects.exists()
    assert admin_api.get(f"{PREFIX}/schedules/{schedule['id']}").status_code == 404


@pytest.mark.parametrize(
    "extra",
    [{"schedule": "not cron"}, {}, {"schedule": "", "deadline_at": None}],
)
def test_schedule_needs_valid_cron_or_deadline(admin_api, extra):
    body = {"scheduler_id": "boefje", "organisation": "acme", "data": boefje_data(), **extra}
    response = admin_api.post(f"{PREFIX}/schedules", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_schedule_with_deadline_only(admin_api):
    body = {
        "scheduler_id": "boefje",
        "organisation": "acme",
        "data": boefje_data(),
        "deadline_at": "2030-01-01T00:00:00+00:00",
    }
    response = admin_api.post(f"{PREFIX}/schedules", body, format="json")
    assert response.status_code == 201
    assert response.json()["schedule"] is None
