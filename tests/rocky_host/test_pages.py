"""The dashboard, the admin and the API docs as pages of the Rocky-shaped host: i18n prefix, Rocky's login and
onboarding redirects, its CSP."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.support.pages import external_references, inline_scripts, script_sources
from tests.support.users import make_superuser, make_user

pytestmark = pytest.mark.django_db


def staff(name: str = "analyst", *, onboarded: bool = True) -> Client:
    user = make_user(name, is_staff=True)
    if not onboarded:
        user.members.all().delete()
    user.groups.add(Group.objects.get(name="scheduler-analysts"))
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_lives_under_the_language_prefix_with_and_without_slash():
    index = reverse("rocky_scheduler_dashboard:index")
    assert index == "/en/scheduler/dashboard/"
    client = staff()
    assert client.get(index).status_code == 200
    # Mounted with a slash, the path without it is Django's APPEND_SLASH redirect to the page.
    response = client.get(index.rstrip("/"), follow=True)
    assert (response.status_code, response.redirect_chain) == (200, [(index, 301)])


def test_the_dashboard_data_answers_for_an_analyst():
    response = staff().get(reverse("rocky_scheduler_dashboard:data"))
    assert response.status_code == 200
    assert "schedulers" in response.json() or response.json()


def test_without_a_session_rocky_sends_people_to_its_login_page():
    response = Client().get(reverse("rocky_scheduler_dashboard:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_user_who_is_not_onboarded_is_sent_to_onboarding_from_the_dashboard_not_from_the_admin():
    client = staff("newcomer", onboarded=False)
    dashboard = client.get(reverse("rocky_scheduler_dashboard:index"))
    assert (dashboard.status_code, dashboard["Location"]) == (302, reverse("onboarding"))
    assert client.get(reverse("admin:rocky_scheduler_task_changelist")).status_code == 200


def test_the_admin_is_rockys_admin_under_the_language_prefix():
    assert reverse("admin:rocky_scheduler_task_changelist") == "/en/admin/rocky_scheduler/task/"
    client = Client()
    client.force_login(make_superuser("root"))
    assert client.get("/nl/admin/rocky_scheduler/task/").status_code == 200


@pytest.mark.parametrize("page", ["rocky_scheduler_dashboard:index", "rocky_scheduler:docs"])
def test_pages_run_under_rockys_csp_without_inline_scripts_or_cdns(page):
    client = Client()
    client.force_login(make_superuser("root"))
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert inline_scripts(html) == []
    sources = script_sources(html)
    assert sources, "the page runs scripts"
    assert all(source.startswith("/static/") for source in sources), sources
    assert external_references(html) == [], "a page loads something from another site"
