"""Dutch in the Rocky-shaped host. Rocky's pages sit under i18n_patterns, so the URL prefix (/nl/, /en/) decides the
language, before the language cookie, Accept-Language and LANGUAGE_CODE; those only choose where a path without
a prefix redirects. The API (/api/v1/, outside the prefix) follows Accept-Language and stays English without it."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rocky_scheduler.services import task_push
from tests.factories import boefje_data
from tests.support.api_clients import PREFIX
from tests.support.users import make_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> Client:
    client = Client()
    client.force_login(make_superuser("beheerder@example.com"))
    return client


@pytest.fixture
def task():
    return task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)


def _in(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_dashboard_under_nl_is_dutch_and_refreshes_in_dutch(superuser, task):
    page = _in("nl", "rocky_scheduler_dashboard:index")
    assert page == "/nl/scheduler/dashboard/"
    dutch = _text(superuser.get(page))
    assert 'lang="nl"' in dutch
    for text in ("Wachtrijen", "Recent mislukt", "Vastgelopen taken", "in wachtrij"):
        assert text in dutch, text
    # The page's own refresh asks the /nl/ data URL, so the words the script writes stay Dutch.
    data_url = re.search(r'data-url="([^"?]+)', dutch).group(1)
    assert data_url.startswith("/nl/scheduler/dashboard/data"), data_url
    data = superuser.get(_in("nl", "rocky_scheduler_dashboard:data")).json()
    labels = {row["status"]: row["status_label"] for row in data["schedulers"][0]["statuses"]}
    assert labels["queued"] == "in wachtrij"


def test_the_prefix_wins_over_accept_language(superuser):
    english = _text(superuser.get(_in("en", "rocky_scheduler_dashboard:index"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "Recently failed" in english and "Recent mislukt" not in english


def test_a_path_without_prefix_goes_to_the_language_the_browser_or_the_cookie_asks_for(superuser):
    bare = "/scheduler/dashboard/"
    response = superuser.get(bare, HTTP_ACCEPT_LANGUAGE="nl")
    assert (response.status_code, response["Location"]) == (302, "/nl/scheduler/dashboard/")
    superuser.cookies["language"] = "nl"  # Rocky's LANGUAGE_COOKIE_NAME, set by its language picker
    assert superuser.get(bare)["Location"] == "/nl/scheduler/dashboard/"


def test_the_admin_under_nl_is_dutch(superuser, task):
    changelist = _text(superuser.get(_in("nl", "admin:rocky_scheduler_task_changelist")))
    for text in ("Taak", "Prioriteit", "Aangemaakt", "Op planner", "Vooraan zetten (prioriteit 1)"):
        assert text in changelist, text
    change = _text(superuser.get(_in("nl", "admin:rocky_scheduler_task_change", task.pk)))
    for text in ("Uitgifte", "Tijden", "Pogingen", "Geschiedenis (nieuwste eerst)"):
        assert text in change, text


def test_api_errors_are_english_unless_the_request_asks_for_dutch(admin_api):
    english = admin_api.get(f"{PREFIX}/schedulers/nope")
    dutch = admin_api.get(f"{PREFIX}/schedulers/nope", HTTP_ACCEPT_LANGUAGE="nl")
    assert english.status_code == dutch.status_code == 404
    assert english.json()["detail"] == "Scheduler 'nope' does not exist."
    assert dutch.json()["detail"] == "Planner 'nope' bestaat niet."
