"""Bad bodies and parameters on every endpoint that takes them: a clear 4xx with a `detail`, nothing changed.

Sent as a superuser, so no refusal here is a permission's doing.
"""

import json

import pytest
from django.test import override_settings

from rocky_scheduler.api.pagination import MAX_LIMIT, MAX_OFFSET
from rocky_scheduler.conf import app_settings
from tests.security.conftest import api_client_for, assert_unchanged
from tests.security.endpoints import ENDPOINTS, PAGINATED, WITH_BODY, Endpoint
from tests.security.snapshot import database_snapshot
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

JSON = "application/json"


def valid_json(endpoint: Endpoint) -> str:
    return json.dumps(endpoint.body())


def with_extra(endpoint: Endpoint, literal: str) -> str:
    """The endpoint's valid body with one more key holding `literal` (raw JSON text, possibly not JSON)."""
    text = valid_json(endpoint)
    if text == "{}":
        return '{"extra": ' + literal + "}"
    return text[:-1] + ', "extra": ' + literal + "}"


# (case id, body builder, content type, expected status, a word the detail contains)
BODY_CASES = [
    ("not-json", lambda endpoint: valid_json(endpoint)[:-1], JSON, 400, "JSON"),
    ("invalid-utf8", lambda endpoint: with_extra(endpoint, '"\xff"').encode("latin-1"), JSON, 400, "UTF-8"),
    ("deep-nesting", lambda endpoint: with_extra(endpoint, "[" * 50_000 + "]" * 50_000), JSON, 400, "deep"),
    ("nan", lambda endpoint: with_extra(endpoint, "NaN"), JSON, 400, "NaN"),
    ("infinity", lambda endpoint: with_extra(endpoint, "-Infinity"), JSON, 400, "Infinity"),
    ("overflowing-float", lambda endpoint: with_extra(endpoint, "1e400"), JSON, 400, "range"),
    ("5000-digit-integer", lambda endpoint: with_extra(endpoint, "9" * 5000), JSON, 400, "JSON"),
    ("nul", lambda endpoint: with_extra(endpoint, '"a\\u0000b"'), JSON, 400, "NUL"),
    ("lone-surrogate", lambda endpoint: with_extra(endpoint, '"\\ud800"'), JSON, 400, "surrogate"),
    ("not-an-object", lambda endpoint: '"just a string"', JSON, 400, "object"),
    ("form-encoded", lambda endpoint: "a=1&b=2", "application/x-www-form-urlencoded", 415, "media type"),
    ("text-plain", valid_json, "text/plain", 415, "media type"),
]


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=lambda endpoint: endpoint.id)
def test_every_kind_of_bad_body_is_a_clear_4xx_and_changes_nothing(world, endpoint):
    client = api_client_for("superuser")
    path = PREFIX + world.fill(endpoint.path)
    before = database_snapshot()
    for case, build, content_type, expected, word in BODY_CASES:
        response = getattr(client, endpoint.method)(path, data=build(endpoint), content_type=content_type)

        what = f"{endpoint.id} {case} -> {response.status_code}: {response.content[:200]!r}"
        assert response.status_code == expected, what
        assert word.lower() in response.json()["detail"].lower(), what
    assert_unchanged(before, endpoint.id)


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=lambda endpoint: endpoint.id)
def test_an_oversized_body_is_413_before_anything_runs(world, endpoint):
    client = api_client_for("superuser")
    limit = 4096
    body = with_extra(endpoint, json.dumps("x" * limit))
    before = database_snapshot()

    with override_settings(ROCKY_SCHEDULER={"MAX_BODY_BYTES": limit}):
        response = getattr(client, endpoint.method)(PREFIX + world.fill(endpoint.path), data=body, content_type=JSON)

    assert response.status_code == 413, response.content[:200]
    assert str(limit) in response.json()["detail"]
    assert_unchanged(before, endpoint.id)


def test_the_default_body_limit_is_one_mebibyte(world):
    # docs/security.md names this number; a change to it should be a deliberate one.
    assert app_settings.MAX_BODY_BYTES == 1024 * 1024
    client = api_client_for("superuser")
    body = json.dumps({"organisation": "acme", "data": {"padding": "x" * (1024 * 1024)}})
    response = client.post(f"{PREFIX}/schedulers/boefje/push", data=body, content_type=JSON)
    assert response.status_code == 413


# Query parameters: (parameter, value, a word the detail contains)
PAGE_CASES = [
    ("limit", "-1", "limit"),
    ("limit", str(MAX_LIMIT + 1), "limit"),
    ("limit", "1" + "0" * 30, "limit"),
    ("limit", "9" * 5000, "limit"),
    ("limit", "ten", "limit"),
    ("limit", "1.5", "limit"),
    ("offset", "-1", "offset"),
    ("offset", str(MAX_OFFSET + 1), "offset"),
    ("offset", "1" + "0" * 30, "offset"),
    ("offset", "zero", "offset"),
    ("offset", "a\x00", "NUL"),
]


@pytest.mark.parametrize("endpoint", PAGINATED, ids=lambda endpoint: endpoint.id)
def test_bad_limit_and_offset_are_400_with_the_parameter_named(world, endpoint):
    client = api_client_for("superuser")
    path = PREFIX + world.fill(endpoint.path)
    before = database_snapshot()
    for name, value, word in PAGE_CASES:
        body = endpoint.body() if endpoint.body else None
        response = getattr(client, endpoint.method)(f"{path}?{name}={_quote(value)}", body, format="json")

        what = f"{endpoint.id} {name}={value[:20]} -> {response.status_code}: {response.content[:200]!r}"
        assert response.status_code == 400, what
        assert word.lower() in response.json()["detail"].lower(), what
    # The edges of the allowed ranges still answer.
    for query in (f"limit={MAX_LIMIT}", f"offset={MAX_OFFSET}", "limit=0"):
        body = endpoint.body() if endpoint.body else None
        response = getattr(client, endpoint.method)(f"{path}?{query}", body, format="json")
        assert response.status_code == 200, (query, response.content[:200])
    assert_unchanged(before, endpoint.id)


POP = next(endpoint for endpoint in ENDPOINTS if endpoint.pop_limit)


@pytest.mark.parametrize("value", ["0", "-1", "101", "1" + "0" * 30, "9" * 5000, "one", "1e3", "2.0"])
def test_a_bad_pop_limit_is_400_and_dispatches_nothing(world, value):
    client = api_client_for("superuser")
    before = database_snapshot()

    response = client.post(f"{PREFIX}/schedulers/boefje/pop?limit={_quote(value)}", {}, format="json")

    assert response.status_code == 400
    assert "limit" in response.json()["detail"]
    assert_unchanged(before, f"pop limit={value[:20]}")


# Other parameters and path segments: (method, path, expected status)
OTHER_CASES = [
    ("get", "/tasks?min_created_at=yesterday", 400),
    ("get", "/tasks?max_created_at=2025-13-45T99:99:99", 400),
    ("get", "/tasks?min_created_at=2025-02-30T10:00:00%2B00:00", 400),
    ("get", "/schedules?max_deadline_at=2025-01-01T25:00:00", 400),
    ("get", "/tasks?status=sleeping", 400),
    ("get", "/tasks?organisation=a%00b", 400),
    ("get", "/schedules?enabled=maybe", 400),
    ("get", "/schedules?min_deadline_at=soon", 400),
    ("get", "/tasks/not-a-uuid", 404),
    ("patch", "/tasks/not-a-uuid", 404),
    ("patch", "/tasks/00000000-0000-0000-0000-000000000000", 404),
    ("get", "/tasks/%00", 400),
    ("get", "/schedules/not-a-uuid", 404),
    ("patch", "/schedules/not-a-uuid", 404),
    ("delete", "/schedules/not-a-uuid", 404),
    ("delete", "/schedules/00000000-0000-0000-0000-000000000000", 404),
    ("get", "/schedulers/no-such-scheduler", 404),
    ("patch", "/schedulers/no-such-scheduler", 404),
    ("post", "/schedulers/no-such-scheduler/push", 404),
    ("post", "/schedulers/no-such-scheduler/pop", 404),
    ("get", "/queues/no-such-scheduler", 404),
]


@pytest.mark.parametrize(("method", "path", "expected"), OTHER_CASES)
def test_bad_parameters_and_unknown_ids_are_clear_4xx(world, method, path, expected):
    client = api_client_for("superuser")
    body = {"priority": 2, "enabled": False, "paused": True, "organisation": "acme", "data": {}}
    before = database_snapshot()

    response = getattr(client, method)(PREFIX + path, body if method != "get" else None, format="json")

    assert response.status_code == expected, response.content[:200]
    assert response.json()["detail"]
    assert_unchanged(before, f"{method} {path}")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# Relative paths made importlib raise ValueError/TypeError rather than ImportError: a 500 once.
BAD_RANKERS = [".x", "..x", "...", "a..b", "os.path", "x", "rocky_scheduler.rankers", "r" * 255]


@pytest.mark.parametrize("ranker", BAD_RANKERS)
def test_a_ranker_that_is_no_ranker_class_is_400(world, ranker):
    client = api_client_for("superuser")
    before = database_snapshot()

    response = client.patch(f"{PREFIX}/schedulers/boefje", {"ranker": ranker}, format="json")

    assert response.status_code == 400 and "ranker" in response.json()["detail"]
    assert_unchanged(before, f"ranker={ranker[:20]}")
