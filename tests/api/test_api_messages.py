"""What the API says when it refuses: the numbers a caller needs, the type it wanted, the scheduler it does not know."""

import pytest

from rocky_scheduler.models import Scheduler, Task
from tests.factories import boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

PUSH = f"{PREFIX}/schedulers/boefje/push"


def push(client, **overrides):
    return client.post(PUSH, {"organisation": "acme", "data": boefje_data(), **overrides}, format="json")


def test_a_full_queue_says_how_many_are_queued_and_the_limit(worker_api):
    # Users' pushes (priority 1) go in whatever the bound: the queue holds more than its limit.
    for _ in range(3):
        assert push(worker_api, priority=1).status_code == 201
    Scheduler.objects.filter(pk="boefje").update(maxsize=2)

    response = push(worker_api, priority=5)

    assert response.status_code == 429
    assert response.json()["detail"] == ("Scheduler 'boefje' is full: 3 tasks queued, its limit is 2; retry later.")


@pytest.mark.parametrize("organisation", [5, 5.0, True, ["acme"], {"code": "acme"}])
def test_an_organisation_that_is_not_a_string_is_refused_not_stored_as_one(worker_api, organisation):
    response = push(worker_api, organisation=organisation)

    assert response.status_code == 400
    assert response.json()["detail"] == "organisation: Must be a string."
    assert Task.objects.count() == 0


def test_a_schedule_with_an_organisation_that_is_not_a_string_is_refused(admin_api):
    body = {"scheduler_id": "boefje", "organisation": 5, "data": boefje_data(), "schedule": "0 * * * *"}
    response = admin_api.post(f"{PREFIX}/schedules", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"organisation": ["Must be a string."]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tasks/stats?scheduler_id=nope"),
        ("get", "/tasks?scheduler_id=nope"),
        ("post", "/tasks?scheduler_id=nope"),
        ("get", "/schedules?scheduler_id=nope"),
        ("post", "/schedules/search?scheduler_id=nope"),
        ("get", "/schedulers/nope"),
        ("get", "/queues/nope"),
        ("post", "/schedulers/nope/pop"),
        ("post", "/schedulers/nope/push"),
    ],
)
def test_an_unknown_scheduler_is_404_on_every_endpoint(admin_api, method, path):
    body = {"organisation": "acme", "data": boefje_data()} if path.endswith("/push") else {}
    response = getattr(admin_api, method)(f"{PREFIX}{path}", body, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == "Scheduler 'nope' does not exist."


def test_a_known_scheduler_still_answers_its_statistics(admin_api):
    assert admin_api.get(f"{PREFIX}/tasks/stats?scheduler_id=boefje").status_code == 200
