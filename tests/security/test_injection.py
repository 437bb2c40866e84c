"""The filter language and query parameters: only allow-listed columns, paths and operators reach SQL,
values are data, ordering cannot be chosen by a client; attempts leave every table (and a canary) as it was."""

import json
import string
from urllib.parse import quote

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_scheduler.errors import UNKNOWN_SCHEDULER
from rocky_scheduler.filters import SCHEDULE_COLUMNS, TASK_COLUMNS
from rocky_scheduler.filters import operators as op
from tests.factories import boefje_data
from tests.security.browser import OUR_ADMINS, changelist, superuser_client
from tests.security.conftest import api_client_for, assert_unchanged
from tests.security.snapshot import database_snapshot
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

CANARY = "security_canary"
FILTERED = [
    ("post", "/tasks", TASK_COLUMNS),
    ("post", "/schedules/search", SCHEDULE_COLUMNS),
    ("post", "/schedulers/boefje/pop", TASK_COLUMNS),
]
SQL = [
    "x'; DROP TABLE security_canary; --",
    "x'); DELETE FROM rocky_scheduler_task; --",
    '" OR 1=1 --',
    "1; UPDATE rocky_scheduler_task SET priority = 1",
    "x' UNION SELECT digest FROM rocky_scheduler_apitoken --",
    "$$; DROP TABLE security_canary; $$",
    "\\'; TRUNCATE rocky_scheduler_schedule CASCADE; --",
    "x%' OR '1' LIKE '1",
]


@pytest.fixture
def canary(world) -> None:
    """A table and row of our own, which a successful DROP/DELETE/TRUNCATE anywhere would take with it."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {CANARY} (word varchar(32) NOT NULL)")
        cursor.execute(f"INSERT INTO {CANARY} (word) VALUES ('still here')")  # noqa: S608 - constant


def canary_alive() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word FROM {CANARY}")  # noqa: S608 - constant
        return cursor.fetchall() == [("still here",)]


def post(client, path: str, filters, query: str = ""):
    return client.post(f"{PREFIX}{path}{query}", data=json.dumps({"filters": filters}), content_type="application/json")


def structural_attempts(attack: str) -> list[dict]:
    """The attack string where a name belongs: column, JSON path and operator."""
    return [
        {"column": attack, "operator": "eq", "value": "x"},
        {"column": f"status{attack}", "operator": "eq", "value": "queued"},
        {"column": "data", "field": attack, "operator": "eq", "value": "x"},
        {"column": "data", "field": f"boefje__{attack}", "operator": "eq", "value": "x"},
        {"column": "organisation", "operator": attack, "value": "x"},
        {"column": "organisation", "operator": "eq", "value": "x", attack: "1"},
        {"or": [{"column": attack, "value": "x"}]},
    ]


@pytest.mark.parametrize(("method", "path", "columns"), FILTERED, ids=[path for _, path, _ in FILTERED])
def test_names_outside_the_allow_list_are_400_and_change_nothing(canary, method, path, columns):
    client = api_client_for("superuser")
    before = database_snapshot()
    for attack in SQL:
        for condition in structural_attempts(attack):
            response = post(client, path, [condition])
            assert response.status_code == 400, (condition, response.content[:200])
            assert response.json()["detail"]
    assert canary_alive()
    assert_unchanged(before, path)


@pytest.mark.parametrize(("method", "path", "columns"), FILTERED, ids=[path for _, path, _ in FILTERED])
def test_values_are_data_never_sql(canary, method, path, columns):
    client = api_client_for("superuser")
    before = database_snapshot()
    for attack in SQL:
        conditions = [
            {"column": "organisation", "operator": "eq", "value": attack},
            {"column": "organisation", "operator": "in", "value": [attack, "acme' OR '1'='1"]},
            {"column": "organisation", "operator": "like", "value": attack.replace("\\", "\\\\")},
            {"column": "data", "field": "boefje__id", "operator": "eq", "value": attack},
            {"column": "data", "field": "input_ooi", "operator": "contains", "value": attack},
            {"column": "data", "operator": "@>", "value": {"boefje": {"id": attack}}},
        ]
        for condition in conditions:
            response = post(client, path, [condition])
            assert response.status_code == 200, (condition, response.content[:200])
            # Nothing is named like the attack, so nothing matches: no "OR 1=1" widened the result.
            assert response.json()["results"] == [], condition
    assert canary_alive()
    assert_unchanged(before, path)


QUERY_PARAMETERS = [
    "/tasks?scheduler_id={}",
    "/tasks?organisation={}",
    "/tasks?task_type={}",
    "/tasks?input_ooi={}",
    "/tasks?plugin_id={}",
    "/tasks/stats?scheduler_id={}",
    "/tasks/stats?organisation_id={}",
    "/schedules?scheduler_id={}",
    "/schedules?organisation={}",
    "/schedules?schedule_hash={}",
]


@pytest.mark.parametrize("template", QUERY_PARAMETERS)
def test_query_parameters_are_data_never_sql(canary, template):
    client = api_client_for("superuser")
    before = database_snapshot()
    for attack in SQL:
        response = client.get(PREFIX + template.format(quote(attack, safe="")))
        if "scheduler_id=" in template:
            # A scheduler filter names a scheduler; the attack is looked up as one, as data, and named back.
            assert response.status_code == 404, (attack, response.content[:200])
            assert response.json()["detail"] == UNKNOWN_SCHEDULER.format(scheduler_id=attack)
            continue
        assert response.status_code == 200, (attack, response.content[:200])
        body = response.json()
        if "results" in body:
            assert body["results"] == [], attack
        else:  # task stats: every hour's total is 0
            assert all(bucket["total"] == 0 for bucket in body.values()), attack
    assert canary_alive()
    assert_unchanged(before, template)


ORDERING_PARAMETERS = ["order_by", "ordering", "sort", "o", "orderBy"]
LISTS = [("get", "/tasks"), ("post", "/tasks"), ("get", "/schedules"), ("post", "/schedules/search")]


@pytest.mark.parametrize(("method", "path"), LISTS)
def test_no_list_takes_an_ordering_parameter_so_any_is_ignored(canary, method, path):
    # No endpoint lets a client order its results (newest first, always); an ordering parameter, however
    # crafted, must neither change the answer nor reach the database.
    client = api_client_for("superuser")
    api_client_for("worker").post(f"{PREFIX}/schedulers/boefje/push", _push_body(), format="json")
    plain = getattr(client, method)(PREFIX + path, {}, format="json").json()
    assert plain["count"] >= 1
    before = database_snapshot()
    for name in ORDERING_PARAMETERS:
        for value in ["priority", "-id", "data__boefje__id", "random()", *SQL]:
            response = getattr(client, method)(f"{PREFIX}{path}?{name}={quote(value, safe='')}", {}, format="json")
            assert response.status_code == 200, (name, value)
            assert [row["id"] for row in response.json()["results"]] == [row["id"] for row in plain["results"]]
    assert canary_alive()
    assert_unchanged(before, path)


def _push_body() -> dict:
    return {"organisation": "acme", "data": boefje_data()}


# --- the allow-list, property-based ---------------------------------------------------------------

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Printable ASCII plus a little beyond: the characters an injection needs, and some it might try.
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
PATH_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-")


@pytest.fixture
def root(canary):
    return api_client_for("superuser")


def refused(response, word: str) -> bool:
    return response.status_code == 400 and word in response.json()["detail"]


@FUZZ
@given(column=ANY_TEXT.filter(lambda name: name not in TASK_COLUMNS))
def test_any_column_outside_the_allow_list_is_refused(root, column):
    response = post(root, "/tasks", [{"column": column, "operator": "eq", "value": "x"}])
    assert refused(response, "unknown column"), response.content[:200]
    assert canary_alive()


@FUZZ
@given(operator=ANY_TEXT.filter(lambda name: op.normalise(name) is None))
def test_any_operator_outside_the_list_is_refused(root, operator):
    response = post(root, "/tasks", [{"column": "organisation", "operator": operator, "value": "x"}])
    assert refused(response, "unknown operator"), response.content[:200]
    assert canary_alive()


@FUZZ
@given(field=ANY_TEXT.filter(lambda path: any(character not in PATH_CHARACTERS for character in path) or not path))
def test_any_json_path_with_a_character_outside_the_key_pattern_is_refused(root, field):
    response = post(root, "/tasks", [{"column": "data", "field": field, "operator": "eq", "value": "x"}])
    assert refused(response, "JSON path"), response.content[:200]
    assert canary_alive()


# --- the admin's search and ordering ------------------------------------------------------------------


@pytest.mark.parametrize("parameter", ["q", "o"])
def test_admin_search_and_ordering_parameters_are_harmless(canary, parameter):
    client = superuser_client()
    before = database_snapshot()
    for model, _ in OUR_ADMINS:
        for attack in [*SQL, "1.2.3", "-99", "data__boefje__id"]:
            response = client.get(f"{changelist(model)}?{parameter}={quote(attack, safe='')}")
            assert response.status_code in (200, 302), (model, attack, response.status_code)
    assert canary_alive()
    assert_unchanged(before, f"admin ?{parameter}=")


def test_admin_list_filters_with_a_nul_character_are_a_400_not_a_server_error(canary):
    client = superuser_client()
    client.raise_request_exception = False
    before = database_snapshot()
    for model, _ in OUR_ADMINS:
        for query in ("organisation=a%00", "q=x%00y"):
            assert client.get(f"{changelist(model)}?{query}").status_code == 400, (model, query)
    assert_unchanged(before, "admin NUL filters")
