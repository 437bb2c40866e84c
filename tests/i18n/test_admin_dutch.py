"""The scheduler's admin pages in Dutch when the browser asks for it (LocaleMiddleware; in Rocky's host through the
redirect to the /nl/ prefix)."""

import html

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from rocky_scheduler.services import task_push
from tests.factories import boefje_data
from tests.support.pages import page_url
from tests.support.users import make_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(make_superuser("beheerder"))
    return client


@pytest.fixture
def task():
    return task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=5)


def _page(client: Client, url: str, **headers) -> str:
    response = client.get(url, follow=True, **headers)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_task_list_in_dutch(admin_client_, task):
    dutch = _page(admin_client_, page_url("admin:rocky_scheduler_task_changelist"), HTTP_ACCEPT_LANGUAGE="nl")

    assert 'lang="nl"' in dutch
    for text in (
        "Taken",
        "Taak",
        "Prioriteit",
        "Aangemaakt",
        "Op planner",
        "Op soort",
        "Vooraan zetten (prioriteit 1)",
    ):
        assert text in dutch, text
    assert "Opnieuw proberen als nieuwe taak (afgeronde taken)" in dutch
    assert "Move to the front (priority 1)" not in dutch


def test_the_task_list_stays_english_without_accept_language(admin_client_, task):
    english = _page(admin_client_, page_url("admin:rocky_scheduler_task_changelist"))
    assert "Move to the front (priority 1)" in english and "Vooraan zetten" not in english


def test_a_task_page_in_dutch(admin_client_, task):
    dutch = _page(admin_client_, page_url("admin:rocky_scheduler_task_change", task.pk), HTTP_ACCEPT_LANGUAGE="nl")

    for text in (
        "Gegevens",
        "Uitgifte",
        "Tijden",
        "Pogingen",
        "Houder van de uitgifte",
        "Geschiedenis (nieuwste eerst)",
    ):
        assert text in dutch, text
    assert "In wachtrij" in dutch  # the status, a translated choice label
    assert "Lease expires at" not in dutch


def test_pausing_resuming_and_disabling_report_in_dutch(admin_client_, task):
    # The messages after an action are sentences of their own in the catalogue, not an English verb glued to one.
    def action(model: str, name: str, pks: list[str]) -> list[str]:
        response = admin_client_.post(
            page_url(f"admin:rocky_scheduler_{model}_changelist"),
            {"action": name, "_selected_action": pks, "confirm": "yes"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="nl",
        )
        return [str(message) for message in get_messages(response.wsgi_request)]

    assert action("scheduler", "pause", ["boefje"]) == ["1 planner gepauzeerd."]
    assert action("scheduler", "resume", ["boefje"]) == ["1 planner hervat."]
    assert action("schedule", "disable", [str(task.schedule_id)]) == ["1 planning uitgeschakeld."]
