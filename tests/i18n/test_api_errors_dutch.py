"""API errors speak English unless the request asks for Dutch: OpenKAT's boefje runner and Rocky's client send no
Accept-Language, and some of them match on the English words."""

import pytest

from tests.factories import boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db


def _both(api, method: str, path: str, body: dict) -> tuple:
    english = getattr(api, method)(f"{PREFIX}{path}", body, format="json")
    dutch = getattr(api, method)(f"{PREFIX}{path}", body, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    return english, dutch


def test_an_unknown_scheduler_is_english_by_default_and_dutch_when_asked(admin_api):
    english, dutch = _both(admin_api, "get", "/schedulers/nope", {})

    assert english.status_code == dutch.status_code == 404
    assert english.json() == {"detail": "Scheduler 'nope' does not exist.", "field": "scheduler_id"}
    assert dutch.json() == {"detail": "Planner 'nope' bestaat niet.", "field": "scheduler_id"}


def test_a_bad_priority_is_english_by_default_and_dutch_when_asked(admin_api):
    body = {"organisation": "acme", "data": boefje_data(), "priority": 0}
    english, dutch = _both(admin_api, "post", "/schedulers/boefje/push", body)

    assert english.status_code == dutch.status_code == 400
    assert english.json().keys() == dutch.json().keys()
    # The field names stay as the API spells them; the sentence is DRF's, in DRF's Dutch.
    assert english.json()["detail"] == "priority: Ensure this value is greater than or equal to 1."
    assert dutch.json()["detail"].startswith("priority: ")
    assert dutch.json()["detail"] != english.json()["detail"]


def test_a_serializer_message_follows_the_request_language(admin_api):
    body = {"scheduler_id": "boefje", "organisation": 5, "data": boefje_data(), "schedule": "0 * * * *"}
    english, dutch = _both(admin_api, "post", "/schedules", body)

    assert english.status_code == dutch.status_code == 400
    assert english.json()["errors"] == {"organisation": ["Must be a string."]}
    assert dutch.json()["errors"] == {"organisation": ["Moet een tekenreeks zijn."]}


def test_a_dutch_request_leaves_the_next_clients_english(admin_api):
    # The language is per request: a Dutch browser before it does not change what a boefje runner reads.
    admin_api.get(f"{PREFIX}/schedulers/nope", HTTP_ACCEPT_LANGUAGE="nl")
    assert admin_api.get(f"{PREFIX}/schedulers/nope").json()["detail"] == "Scheduler 'nope' does not exist."
