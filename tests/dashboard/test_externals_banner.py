"""The dashboard says when KATalogus or Octopoes is not answering (the OpenKAT catalogue on the stand-ins):
a banner above the queues, and `externals` in the JSON its script polls to redraw it."""

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Wherever the host mounted the dashboard (the standalone project: /dashboard; Rocky: /en/scheduler/dashboard).
PAGE = reverse("rocky_scheduler_dashboard:index")
DATA = reverse("rocky_scheduler_dashboard:data")
BANNER = re.compile(r'<div id="dash-externals" class="banner" role="alert"( hidden)?>(.*?)</div>', re.S)


def banner(client) -> tuple[bool, str]:
    """(shown, text) of the page's banner."""
    response = client.get(PAGE)
    assert response.status_code == 200
    match = BANNER.search(response.content.decode())
    assert match, "the page has no externals banner"
    return match.group(1) is None, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def test_no_banner_with_the_embedded_catalogue(staff_client):
    assert banner(staff_client) == (False, "")
    data = staff_client.get(DATA).json()
    assert (data["externals"], data["externals_down"]) == ([], False)


def test_no_banner_while_katalogus_and_octopoes_answer(staff_client, openkat_setting):
    assert banner(staff_client) == (False, "")
    data = staff_client.get(DATA).json()
    assert [(row["service"], row["healthy"]) for row in data["externals"]] == [
        ("katalogus", True),
        ("octopoes", True),
    ]
    assert data["externals_down"] is False


@pytest.mark.parametrize("how", ["refused", "503"])
def test_a_banner_names_the_service_that_is_down_and_what_that_means(staff_client, openkat_setting, katalogus, how):
    katalogus.down(how)
    shown, text = banner(staff_client)
    assert shown
    assert text.startswith("KATalogus is not answering")
    assert "wait in their queue" in text
    assert "Octopoes" not in text

    data = staff_client.get(DATA).json()
    assert data["externals_down"] is True
    (row,) = [row for row in data["externals"] if not row["healthy"]]
    assert (row["service"], row["name"]) == ("katalogus", "KATalogus")
    # The script draws the same sentence the page showed.
    assert row["message"] == text


def test_the_banner_goes_once_the_service_is_back(staff_client, openkat_setting, octopoes):
    with override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | {"HEALTH_CACHE_SECONDS": 0}):
        octopoes.down("refused")
        assert banner(staff_client)[0]
        octopoes.up()
        assert banner(staff_client) == (False, "")
        assert staff_client.get(DATA).json()["externals_down"] is False


def test_the_banner_needs_no_inline_script(staff_client, openkat_setting, katalogus):
    # Rocky's CSP is script-src 'self': the banner is markup and the dashboard's own script file.
    katalogus.down("refused")
    page = staff_client.get(PAGE).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all("src=" in attributes or 'type="application/json"' in attributes for attributes, _ in scripts)
    assert " on" not in "".join(re.findall(r"<[^>]*dash-externals[^>]*>", page))
