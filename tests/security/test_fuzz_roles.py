"""Schemathesis fuzzing of every operation in the OpenAPI schema as a read-only user, anonymously, and as a
superuser, asserting more than "no 5xx" (tests/api/test_fuzz_openapi.py): a read-only or anonymous caller
changes nothing whatever it sends, an anonymous one is refused everywhere but the public endpoints, and any
request refused with a 4xx - whoever sent it - leaves every table as it was."""

import pytest
import schemathesis
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, settings

from tests.security.conftest import api_client_for, assert_unchanged
from tests.security.endpoints import ENDPOINTS
from tests.security.snapshot import database_snapshot
from tests.support.api_contract import PREFIX


def _load_schema():
    from scheduler_project.wsgi import application

    return schemathesis.openapi.from_wsgi(f"{PREFIX}/schema?format=json", application)


schema = _load_schema()
CREDENTIALS = ("authorization", "cookie")
# As the schema names them: the root is the prefix with its slash, as mounted.
PUBLIC_PATHS = {f"{PREFIX}{endpoint.path or '/'}" for endpoint in ENDPOINTS if endpoint.public}
FUZZ = {
    "deadline": None,
    "database": None,
    # A failure prints the request (case.method, path and body) in its message; shrinking would only
    # re-run requests against a database the earlier examples have already changed.
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
}


def token_of(role: str) -> dict[str, str]:
    client = api_client_for(role)
    header = client._credentials.get("HTTP_AUTHORIZATION")
    return {"Authorization": header} if header else {}


@pytest.fixture
def readonly_headers(world, wsgi_keeps_test_connection) -> dict[str, str]:
    return token_of("readonly")


@pytest.fixture
def superuser_headers(world, wsgi_keeps_test_connection) -> dict[str, str]:
    return token_of("superuser")


def describe(case, response) -> str:
    return f"{case.method} {case.formatted_path} {case.query} {str(case.body)[:200]} -> {response.status_code}"


def routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@schema.parametrize()
@settings(max_examples=8, **FUZZ)
def test_a_readonly_user_changes_nothing_whatever_it_sends(case, readonly_headers):
    before = database_snapshot()

    response = case.call(headers={**(case.headers or {}), **readonly_headers})

    assert response.status_code < 500, describe(case, response)
    assert_unchanged(before, describe(case, response))


@schema.parametrize()
@settings(max_examples=5, **FUZZ)
def test_an_anonymous_caller_is_refused_everywhere_but_the_public_endpoints(case, world, wsgi_keeps_test_connection):
    before = database_snapshot()
    headers = {
        key: value for key, value in (case.headers or {}).items() if key.lower() not in ("authorization", "cookie")
    }

    response = case.call(headers=headers)

    what = describe(case, response)
    assert response.status_code < 500, what
    if case.path not in PUBLIC_PATHS:
        # A path parameter with a slash in it matches no route at all: Django's 404, before any view.
        assert response.status_code in (401, 403) or not routed(case.formatted_path), what
    assert_unchanged(before, what)


@schema.parametrize()
@settings(max_examples=10, **FUZZ)
def test_a_request_refused_with_a_4xx_changes_nothing(case, superuser_headers):
    before = database_snapshot()

    response = case.call(headers={**(case.headers or {}), **superuser_headers})

    what = describe(case, response)
    assert response.status_code < 500, what
    if 400 <= response.status_code < 500:
        assert_unchanged(before, what)
