"""A worker's token is looked up once a second, not on every pop; revoking it still takes effect."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rocky_scheduler.models import ApiToken
from tests.support.api_clients import PREFIX, client_for, user_in

pytestmark = [pytest.mark.django_db, pytest.mark.standalone]  # Rocky refuses any token but its own (knox)


def _queries_of(client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, [query["sql"] for query in captured.captured_queries]


def _auth_queries(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if "rocky_scheduler_apitoken" in sql or "auth_permission" in sql]


def test_a_workers_repeated_calls_ask_the_database_for_its_token_and_permissions_once():
    worker = client_for(user_in("scheduler-workers", "runner-cached"))

    first_status, first = _queries_of(worker, f"{PREFIX}/schedulers/boefje/pop")
    worker.post(f"{PREFIX}/schedulers/boefje/pop", format="json")
    with CaptureQueriesContext(connection) as captured:
        response = worker.post(f"{PREFIX}/schedulers/boefje/pop", format="json")

    assert response.status_code == 200
    assert first_status == 405  # GET on pop: authentication happened, the method was refused
    assert _auth_queries(first)
    assert _auth_queries([query["sql"] for query in captured.captured_queries]) == []


def test_with_the_memory_turned_off_every_call_looks_the_token_up(settings):
    settings.ROCKY_SCHEDULER = {"TOKEN_CACHE_SECONDS": 0}
    worker = client_for(user_in("scheduler-workers", "runner-uncached"))
    worker.get(f"{PREFIX}/queues")

    status, sqls = _queries_of(worker, f"{PREFIX}/queues")

    assert status == 200
    assert any("rocky_scheduler_apitoken" in sql for sql in sqls)


def test_a_deleted_token_is_refused_at_once():
    user = user_in("scheduler-workers", "runner-revoked")
    worker = client_for(user)
    assert worker.post(f"{PREFIX}/schedulers/boefje/pop", format="json").status_code == 200

    ApiToken.objects.filter(user=user).delete()

    assert worker.post(f"{PREFIX}/schedulers/boefje/pop", format="json").status_code == 401


def test_a_permission_withdrawn_is_refused_at_once():
    user = user_in("scheduler-workers", "runner-demoted")
    worker = client_for(user)
    assert worker.post(f"{PREFIX}/schedulers/boefje/pop", format="json").status_code == 200

    user.groups.remove(Group.objects.get(name="scheduler-workers"))

    assert worker.post(f"{PREFIX}/schedulers/boefje/pop", format="json").status_code == 403
