"""One `include("rocky_scheduler.dashboard_urls")` works whether the host writes its mount with a trailing slash
or without: the page, its data (the URL the page's script polls) and Django's URL checks."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from tests.support.users import make_superuser

WITH_SLASH = "tests.reuse_project.urls"
WITHOUT_SLASH = "tests.reuse_project.urls_dashboard_without_slash"
PAGE = "/scheduler/dashboard"
DATA = "/scheduler/dashboard/data"


def staff() -> Client:
    client = Client()
    client.force_login(make_superuser("root"))
    return client


def data_url_of(html: str) -> str:
    return re.search(r'<main id="dashboard" data-url="([^"?]*)', html).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("urlconf", [WITH_SLASH, WITHOUT_SLASH])
def test_the_page_polls_the_data_under_the_mount_whichever_way_it_is_written(urlconf):
    with override_settings(ROOT_URLCONF=urlconf):
        client = staff()
        page = client.get(reverse("rocky_scheduler_dashboard:index"))
        assert page.status_code == 200
        assert data_url_of(page.content.decode()) == DATA
        data = client.get(DATA)
        assert data.status_code == 200
        assert "schedulers" in data.json()
        assert client.get(f"{DATA}/").status_code == 200


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=WITHOUT_SLASH)
def test_mounted_without_a_slash_the_page_answers_both_ways_without_a_redirect():
    client = staff()
    assert reverse("rocky_scheduler_dashboard:index") == PAGE
    assert client.get(PAGE).status_code == 200
    assert client.get(f"{PAGE}/").status_code == 200


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=WITH_SLASH)
def test_mounted_with_a_slash_the_path_without_it_is_djangos_usual_redirect():
    client = staff()
    assert reverse("rocky_scheduler_dashboard:index") == f"{PAGE}/"
    assert client.get(f"{PAGE}/").status_code == 200
    response = client.get(PAGE)
    assert (response.status_code, response["Location"]) == (301, f"{PAGE}/")


@pytest.mark.parametrize("urlconf", [WITH_SLASH, WITHOUT_SLASH])
def test_djangos_url_checks_find_nothing_in_either_mount(urlconf):
    with override_settings(ROOT_URLCONF=urlconf):
        out = StringIO()
        # Raises SystemCheckError on any warning (urls.W002: a route starting with "/").
        call_command("check", "--fail-level", "WARNING", "--tag", "urls", stdout=out, stderr=out)
        assert "no issues" in out.getvalue()
