"""Anonymous mode trusts the network, not every web page a browser on that network opens.

A cross-site page can make a browser send a POST with no body (an empty HTML form) to any address
it can reach; without the check below that popped tasks, dispatching them to nobody.
"""

import pytest
from django.test import override_settings

from tests.security.conftest import api_client_for, assert_unchanged, rolled_back
from tests.security.endpoints import ENDPOINTS
from tests.security.snapshot import database_snapshot
from tests.support.api_clients import PREFIX

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anonymous_mode")]

UNSAFE = [endpoint for endpoint in ENDPOINTS if endpoint.method != "get" and endpoint.name != "scheduler-detail"]
FORM = "application/x-www-form-urlencoded"
# What a browser sends with a form on another site: (headers, description)
CROSS_SITE = [
    ({"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"}, "modern browser"),
    ({"HTTP_ORIGIN": "https://evil.example"}, "Origin only"),
    ({"HTTP_ORIGIN": "null"}, "sandboxed frame or file://"),
    ({"HTTP_SEC_FETCH_SITE": "cross-site"}, "Sec-Fetch-Site only"),
    ({"HTTP_ORIGIN": "http://testserver.evil.example"}, "look-alike host"),
]


@pytest.fixture
def anonymous_mode():
    with override_settings(
        ROCKY_SCHEDULER={"API_ALLOW_ANONYMOUS": True}, CSRF_TRUSTED_ORIGINS=["https://rocky.example"]
    ):
        yield


def test_an_empty_cross_site_form_post_pops_nothing(world):
    before = database_snapshot()
    for headers, description in CROSS_SITE:
        response = api_client_for("anonymous").generic(
            "POST", f"{PREFIX}/schedulers/boefje/pop?limit=100", "", content_type=FORM, **headers
        )
        assert response.status_code == 403, description
        assert "another site" in response.json()["detail"]
    assert_unchanged(before, "cross-site pops")


@pytest.mark.parametrize("endpoint", UNSAFE, ids=lambda endpoint: endpoint.id)
def test_every_write_from_another_site_is_refused_and_machine_clients_still_write(world, endpoint):
    client = api_client_for("anonymous")
    path = PREFIX + world.fill(endpoint.path)
    before = database_snapshot()
    for headers, description in CROSS_SITE:
        body = endpoint.body() if endpoint.body else None
        response = getattr(client, endpoint.method)(path, body, format="json", **headers)
        assert response.status_code == 403, (description, response.content[:200])
    assert_unchanged(before, endpoint.id)

    # The same request from an API client (no Origin), the site itself, or a trusted origin goes through.
    for headers in ({}, {"HTTP_ORIGIN": "http://testserver"}, {"HTTP_ORIGIN": "https://rocky.example"}):
        with rolled_back():
            body = endpoint.body() if endpoint.body else None
            response = getattr(client, endpoint.method)(path, body, format="json", **headers)
            assert response.status_code == endpoint.ok, (headers, response.content[:200])


def test_reads_from_another_site_are_answered(world):
    # A browser does not let the other site read the answer (no CORS headers), and a read changes nothing.
    response = api_client_for("anonymous").get(f"{PREFIX}/tasks", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
