"""Property-based fuzzing of the API from its own OpenAPI schema: no request may cause a 5xx."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.factories import TaskFactory
from tests.support.api_contract import PREFIX
from tests.support.users import make_superuser


def _load_schema():
    from scheduler_project.wsgi import application

    return schemathesis.openapi.from_wsgi(f"{PREFIX}/schema?format=json", application)


schema = _load_schema()


@pytest.fixture
def wsgi_keeps_test_connection():
    # The WSGI handler would close the test's database connection after each request (as it does
    # in production); Django's own test client switches that off in the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, wsgi_keeps_test_connection) -> str:
    user = make_superuser("fuzzer")
    TaskFactory.create_batch(3)
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_causes_a_server_error(case, token, wsgi_keeps_test_connection):
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
