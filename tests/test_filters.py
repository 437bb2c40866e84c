"""The filter language: every operator on columns and data paths, groups, every refusal, injection attempts."""

import datetime
import json
import os
import re
import subprocess
import sys

import pytest
from django.db.models import Q

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.filters import MAX_DEPTH, MAX_TERMS, SCHEDULE_COLUMNS, parse_filters
from rocky_scheduler.filters.conditions import (
    COLUMN_UNKNOWN,
    CONDITION_UNKNOWN_KEYS,
    FIELD_NOT_ALLOWED,
    OPERATOR_NOT_FOR_COLUMN,
    OPERATOR_UNKNOWN,
    VALUE_MISSING,
)
from rocky_scheduler.filters.data import FIELD_INVALID, VALUE_NOT_FOR_OPERATOR
from rocky_scheduler.filters.parse import (
    FILTERS_MALFORMED,
    GROUP_NOT_A_LIST,
    ITEM_MALFORMED,
    REQUEST_UNKNOWN_KEYS,
    TOO_DEEP,
    TOO_MANY,
)
from rocky_scheduler.filters.values import (
    JSON_TOO_BIG,
    LIKE_TRAILING_ESCAPE,
    LIST_REQUIRED,
    VALUE_HAS_NUL,
    VALUE_TOO_LONG,
    VALUE_WRONG_TYPE,
)
from rocky_scheduler.models import Schedule, Task, TaskStatus
from rocky_scheduler.services import task_pop
from tests.factories import TaskFactory, boefje_data
from tests.support.processes import ROOT

pytestmark = pytest.mark.django_db

# Deselected on SQLite (tests/conftest.py), listed in docs/architecture.md "What SQLite cannot do".
CONTAINMENT = pytest.mark.postgresql_only(
    reason="JSON containment (@>, <@, contains with a list or object) needs PostgreSQL; SQLite refuses it"
)

UTC = datetime.UTC


def data_on(field: str, operator: str, value: object) -> dict:
    return {"column": "data", "field": field, "operator": operator, "value": value}


def labels(payload: object) -> set[str]:
    """The hashes (used as labels here) of the tasks a filter matches."""
    return set(Task.objects.filter(parse_filters(payload)).values_list("hash", flat=True))


def pop(payload: object, limit: int = 100) -> list[Task]:
    return task_pop(scheduler_id="boefje", limit=limit, filters=parse_filters(payload))


def boefje_task(label: str, boefje: dict, **fields) -> Task:
    data = boefje_data(boefje_id=boefje.get("id", "dns-records"))
    data["boefje"].update(boefje)
    return TaskFactory(hash=label, data=data, **fields)


def make_catalogue() -> dict[str, Task]:
    """Four tasks that differ in every filterable column and in the JSON they carry."""
    schedule = Schedule.objects.create(scheduler_id="boefje", organisation="acme", hash="schedule-alpha")
    return {
        "alpha": boefje_task(
            "alpha",
            {"id": "dns-records", "port": 53, "tls": False, "tags": ["dns", "udp"]},
            organisation="acme",
            priority=1,
            schedule=schedule,
            created_at=datetime.datetime(2025, 1, 1, tzinfo=UTC),
        ),
        "bravo": boefje_task(
            "bravo",
            {"id": "nmap", "port": 443, "tls": True, "tags": ["tcp"]},
            organisation="globex",
            priority=5,
            status=TaskStatus.DISPATCHED,
            created_at=datetime.datetime(2025, 2, 1, tzinfo=UTC),
        ),
        "charlie": TaskFactory(
            hash="charlie",
            type="normalizer",
            data={"normalizer": {"id": "kat_dns_normalize"}, "input_ooi": "Hostname|internet|c.example.com"},
            organisation="acme",
            priority=9,
            status=TaskStatus.COMPLETED,
            created_at=datetime.datetime(2025, 3, 1, tzinfo=UTC),
        ),
        "delta": boefje_task(
            "delta",
            {"id": "nmap-udp", "port": "8080", "tls": None},
            organisation="o'brien",
            priority=3,
            created_at=datetime.datetime(2025, 4, 1, tzinfo=UTC),
        ),
    }


@pytest.fixture
def catalogue() -> dict[str, Task]:
    return make_catalogue()


# --- operators on columns ---------------------------------------------------------------------------

COLUMN_CASES = [
    ({"column": "organisation", "value": "acme"}, {"alpha", "charlie"}),
    ({"column": "organisation", "operator": "eq", "value": "acme"}, {"alpha", "charlie"}),
    ({"column": "organisation", "operator": "==", "value": "acme"}, {"alpha", "charlie"}),
    ({"column": "organisation", "operator": "ne", "value": "acme"}, {"bravo", "delta"}),
    ({"column": "organisation", "operator": "!=", "value": "acme"}, {"bravo", "delta"}),
    ({"column": "organisation", "operator": "in", "value": ["globex", "o'brien"]}, {"bravo", "delta"}),
    ({"column": "organisation", "operator": "not_in", "value": ["acme"]}, {"bravo", "delta"}),
    ({"column": "organisation", "operator": "like", "value": "%b%"}, {"bravo", "delta"}),
    ({"column": "organisation", "operator": "like", "value": "_cme"}, {"alpha", "charlie"}),
    ({"column": "organisation", "operator": "not_like", "value": "%b%"}, {"alpha", "charlie"}),
    ({"column": "organisation", "operator": "ilike", "value": "ACM%"}, {"alpha", "charlie"}),
    ({"column": "organisation", "operator": "not_ilike", "value": "ACM%"}, {"bravo", "delta"}),
    ({"column": "organisation", "operator": "contains", "value": "'"}, {"delta"}),
    ({"column": "organisation", "operator": "starts_with", "value": "glo"}, {"bravo"}),
    ({"column": "scheduler_id", "operator": "like", "value": "boef%"}, {"alpha", "bravo", "charlie", "delta"}),
    ({"column": "hash", "operator": "gt", "value": "bravo"}, {"charlie", "delta"}),
    ({"column": "hash", "operator": "<=", "value": "bravo"}, {"alpha", "bravo"}),
    ({"column": "priority", "operator": "gt", "value": 3}, {"bravo", "charlie"}),
    ({"column": "priority", "operator": ">", "value": 3}, {"bravo", "charlie"}),
    ({"column": "priority", "operator": "lt", "value": 3}, {"alpha"}),
    ({"column": "priority", "operator": "<", "value": 3}, {"alpha"}),
    ({"column": "priority", "operator": "gte", "value": 5}, {"bravo", "charlie"}),
    ({"column": "priority", "operator": ">=", "value": 5}, {"bravo", "charlie"}),
    ({"column": "priority", "operator": "lte", "value": 3}, {"alpha", "delta"}),
    ({"column": "priority", "operator": "<=", "value": 1}, {"alpha"}),
    ({"column": "priority", "operator": "in", "value": [1, 9]}, {"alpha", "charlie"}),
    ({"column": "priority", "operator": "not_in", "value": [1, 9]}, {"bravo", "delta"}),
    ({"column": "status", "value": "dispatched"}, {"bravo"}),
    ({"column": "status", "operator": "in", "value": ["completed", "dispatched"]}, {"bravo", "charlie"}),
    ({"column": "type", "operator": "ne", "value": "boefje"}, {"charlie"}),
    ({"column": "created_at", "operator": "gte", "value": "2025-03-01T00:00:00+00:00"}, {"charlie", "delta"}),
    ({"column": "created_at", "operator": "lt", "value": "2025-02-01T00:00:00Z"}, {"alpha"}),
    ({"column": "created_at", "operator": "eq", "value": "2025-02-01T01:00:00+01:00"}, {"bravo"}),
    ({"column": "modified_at", "operator": "is_not_null"}, {"alpha", "bravo", "charlie", "delta"}),
    ({"column": "schedule_id", "operator": "is_null"}, {"bravo", "charlie", "delta"}),
    ({"column": "schedule_id", "operator": "is_null", "value": False}, {"alpha"}),
    ({"column": "schedule_id", "operator": "is_not_null"}, {"alpha"}),
    ({"column": "schedule_id", "operator": "==", "value": None}, {"bravo", "charlie", "delta"}),
    ({"column": "schedule_id", "operator": "!=", "value": None}, {"alpha"}),
]


@pytest.mark.parametrize(("condition", "expected"), COLUMN_CASES)
def test_each_operator_on_a_column(catalogue, condition, expected):
    assert labels({"filters": [condition]}) == expected


def test_uuid_columns_compare_as_uuids_and_ne_keeps_rows_without_a_value(catalogue):
    alpha, bravo = catalogue["alpha"], catalogue["bravo"]
    assert labels([{"column": "id", "value": str(alpha.id)}]) == {"alpha"}
    assert labels([{"column": "id", "operator": "in", "value": [str(alpha.id), bravo.id.hex]}]) == {"alpha", "bravo"}
    assert labels([{"column": "id", "operator": "not_in", "value": [str(alpha.id)]}]) == {"bravo", "charlie", "delta"}
    schedule_id = str(alpha.schedule_id)
    assert labels([{"column": "schedule_id", "value": schedule_id}]) == {"alpha"}
    # Tasks without a schedule are "not that schedule", as Django's exclude() has it.
    assert labels([{"column": "schedule_id", "operator": "ne", "value": schedule_id}]) == {"bravo", "charlie", "delta"}


# --- operators on data paths ------------------------------------------------------------------------

DATA_CASES = [
    # Strings compare as text.
    (data_on("boefje__id", "eq", "nmap"), {"bravo"}),
    (data_on("boefje__id", "ne", "nmap"), {"alpha", "charlie", "delta"}),
    (data_on("boefje__id", "in", ["nmap", "dns-records"]), {"alpha", "bravo"}),
    (data_on("boefje__id", "not_in", ["nmap", "dns-records"]), {"charlie", "delta"}),
    (data_on("boefje__id", "gt", "nmap"), {"delta"}),
    (data_on("boefje__id", "lte", "nmap"), {"alpha", "bravo"}),
    (data_on("boefje__id", "like", "nmap%"), {"bravo", "delta"}),
    (data_on("boefje__id", "like", "nmap-___"), {"delta"}),
    (data_on("boefje__id", "not_like", "nmap%"), {"alpha", "charlie"}),
    (data_on("boefje__id", "ilike", "NMAP-%"), {"delta"}),
    (data_on("boefje__id", "not_ilike", "NMAP-%"), {"alpha", "bravo", "charlie"}),
    (data_on("boefje__id", "contains", "map"), {"bravo", "delta"}),
    (data_on("boefje__id", "starts_with", "dns"), {"alpha"}),
    (data_on("normalizer__id", "eq", "kat_dns_normalize"), {"charlie"}),
    (data_on("input_ooi", "like", "%c.example.com"), {"charlie"}),
    # Numbers compare as numbers, and only with numbers: delta's port is the string "8080".
    (data_on("boefje__port", "eq", 53), {"alpha"}),
    (data_on("boefje__port", "eq", 53.0), {"alpha"}),
    (data_on("boefje__port", "gt", 100), {"bravo"}),
    (data_on("boefje__port", "lt", 100), {"alpha"}),
    (data_on("boefje__port", "gte", 53), {"alpha", "bravo"}),
    (data_on("boefje__port", "lte", 443), {"alpha", "bravo"}),
    (data_on("boefje__port", "in", [53, 443]), {"alpha", "bravo"}),
    (data_on("boefje__port", "not_in", [53]), {"bravo", "charlie", "delta"}),
    (data_on("boefje__port", "eq", "8080"), {"delta"}),
    (data_on("boefje__port", "in", ["53", "8080"]), {"alpha", "delta"}),
    # Booleans, nulls and missing keys.
    (data_on("boefje__tls", "eq", True), {"bravo"}),
    (data_on("boefje__tls", "ne", True), {"alpha", "charlie", "delta"}),
    (data_on("boefje__tls", "in", [False]), {"alpha"}),
    (data_on("boefje__tls", "eq", None), {"charlie", "delta"}),
    (data_on("boefje__tls", "ne", None), {"alpha", "bravo"}),
    ({"column": "data", "field": "boefje__tls", "operator": "is_null"}, {"charlie", "delta"}),
    ({"column": "data", "field": "boefje__tls", "operator": "is_not_null"}, {"alpha", "bravo"}),
    ({"column": "data", "field": "normalizer", "operator": "is_null", "value": False}, {"charlie"}),
    # JSON containment.
    pytest.param(data_on("boefje__tags", "@>", ["dns"]), {"alpha"}, marks=CONTAINMENT),
    pytest.param(data_on("boefje__tags", "contains", ["tcp"]), {"bravo"}, marks=CONTAINMENT),
    pytest.param(data_on("boefje__tags", "<@", ["dns", "udp", "tcp"]), {"alpha", "bravo"}, marks=CONTAINMENT),
    pytest.param(data_on("boefje", "@>", {"id": "nmap", "tls": True}), {"bravo"}, marks=CONTAINMENT),
    (data_on("boefje__tags", "eq", ["tcp"]), {"bravo"}),
    pytest.param(
        {"column": "data", "operator": "contains", "value": {"normalizer": {"id": "kat_dns_normalize"}}},
        {"charlie"},
        marks=CONTAINMENT,
    ),
    pytest.param(
        {"column": "data", "operator": "@>", "value": {"boefje": {"port": "8080"}}}, {"delta"}, marks=CONTAINMENT
    ),
    ({"column": "data", "operator": "is_not_null"}, {"alpha", "bravo", "charlie", "delta"}),
]


@pytest.mark.parametrize(("condition", "expected"), DATA_CASES)
def test_each_operator_on_a_data_path(catalogue, condition, expected):
    assert labels({"filters": [condition]}) == expected


@CONTAINMENT
def test_the_whole_data_column_compares_as_json(catalogue):
    charlie = catalogue["charlie"]
    assert labels([{"column": "data", "value": charlie.data}]) == {"charlie"}
    assert labels([{"column": "data", "operator": "<@", "value": {**charlie.data, "extra": 1}}]) == {"charlie"}


def test_like_patterns_honour_backslash_escapes():
    boefje_task("percent", {"id": "50%_off\\now"})
    boefje_task("plain", {"id": "50 off"})
    assert labels([data_on("boefje__id", "like", "50\\%%")]) == {"percent"}
    assert labels([data_on("boefje__id", "like", "50%")]) == {"percent", "plain"}
    assert labels([data_on("boefje__id", "like", "%\\_off%")]) == {"percent"}
    assert labels([data_on("boefje__id", "like", "%\\\\now")]) == {"percent"}
    # An escaped ordinary character is that character.
    assert labels([data_on("boefje__id", "like", "50 \\off")]) == {"plain"}
    # `contains` takes a plain string: its % is a character, not a wildcard.
    assert labels([data_on("boefje__id", "contains", "%")]) == {"percent"}


def test_in_with_an_empty_list_matches_nothing_and_not_in_everything(catalogue):
    assert labels([data_on("boefje__id", "in", [])]) == set()
    assert labels([data_on("boefje__id", "not_in", [])]) == set(catalogue)
    assert labels([{"column": "priority", "operator": "in", "value": []}]) == set()


# --- pops honour filters ----------------------------------------------------------------------------


def test_pop_with_boefje_id_in_takes_only_matching_tasks_best_first():
    nmap = boefje_task("nmap", {"id": "nmap"}, priority=1)
    dns_low = boefje_task("dns-low", {"id": "dns-records"}, priority=5)
    dns_high = boefje_task("dns-high", {"id": "dns-records"}, priority=3)
    nuclei = boefje_task("nuclei", {"id": "nuclei"}, priority=2)
    wanted = {"filters": [data_on("boefje__id", "in", ["dns-records", "nuclei"])]}

    assert [task.id for task in pop(wanted, limit=2)] == [nuclei.id, dns_high.id]
    assert [task.id for task in pop(wanted)] == [dns_low.id]
    assert pop(wanted) == []
    nmap.refresh_from_db()
    assert nmap.status == TaskStatus.QUEUED


def test_pop_with_boefje_oci_image_in_takes_only_tasks_of_those_images():
    kat_image = "ghcr.io/minvws/openkat/generic:latest"
    boefje_task("generic-2", {"id": "nuclei", "oci_image": kat_image}, priority=2)
    boefje_task("generic-1", {"id": "ssl", "oci_image": kat_image}, priority=1)
    boefje_task("other", {"id": "nmap", "oci_image": "ghcr.io/example/nmap:1"}, priority=1)
    boefje_task("local", {"id": "dns-records"}, priority=1)

    popped = pop({"filters": {"and": [data_on("boefje__oci_image", "in", [kat_image])]}}, limit=10)

    assert [task.hash for task in popped] == ["generic-1", "generic-2"]
    assert set(Task.objects.filter(status=TaskStatus.QUEUED).values_list("hash", flat=True)) == {"other", "local"}


def test_pop_honours_or_and_not_groups():
    boefje_task("nmap", {"id": "nmap"}, priority=4, organisation="acme")
    boefje_task("dns-globex", {"id": "dns-records"}, priority=2, organisation="globex")
    boefje_task("dns-acme", {"id": "dns-records"}, priority=3, organisation="acme")
    boefje_task("nuclei", {"id": "nuclei"}, priority=1, organisation="acme")
    request = {
        "filters": {
            "or": [data_on("boefje__id", "eq", "nmap"), {"column": "organisation", "value": "globex"}],
        }
    }
    assert [task.hash for task in pop(request)] == ["dns-globex", "nmap"]
    rest = {"filters": {"not": [data_on("boefje__id", "eq", "nuclei")]}}
    assert [task.hash for task in pop(rest)] == ["dns-acme"]


def test_a_filter_that_matches_nothing_pops_nothing(catalogue):
    assert pop([data_on("boefje__id", "eq", "no-such-boefje")]) == []
    # A runner that can run no image asks for `in []`: nothing, not an error.
    assert pop([data_on("boefje__oci_image", "in", [])]) == []
    assert pop([{"column": "organisation", "operator": "in", "value": []}]) == []
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 2
    # ...and `not_in []` excludes nothing.
    popped = pop([{"column": "hash", "operator": "in", "value": ["alpha"]}, data_on("boefje__id", "not_in", [])])
    assert [task.hash for task in popped] == ["alpha"]


# --- groups -----------------------------------------------------------------------------------------

GROUP_CASES = [
    (
        {"and": [{"column": "organisation", "value": "acme"}, {"column": "priority", "operator": "gt", "value": 1}]},
        {"charlie"},
    ),
    ({"or": [{"column": "organisation", "value": "globex"}, {"column": "priority", "value": 1}]}, {"alpha", "bravo"}),
    ({"not": [{"column": "organisation", "value": "acme"}, {"column": "priority", "value": 3}]}, {"bravo"}),
    ({"not": [data_on("boefje__id", "like", "nmap%")]}, {"alpha", "charlie"}),
    (
        {
            "and": [
                {"column": "organisation", "value": "acme"},
                {"or": [data_on("boefje__id", "eq", "dns-records"), {"column": "type", "value": "normalizer"}]},
            ]
        },
        {"alpha", "charlie"},
    ),
    (
        {
            "or": [
                {
                    "and": [
                        {"column": "priority", "operator": "lt", "value": 4},
                        {"not": [{"column": "priority", "value": 1}]},
                    ]
                }
            ]
        },
        {"delta"},
    ),
    # Several keys in one group must all hold.
    (
        {"and": [{"column": "organisation", "value": "acme"}], "not": [{"column": "type", "value": "normalizer"}]},
        {"alpha"},
    ),
    # Empty groups constrain nothing.
    ({"and": [{"or": []}, {"column": "priority", "value": 5}], "not": []}, {"bravo"}),
]


@pytest.mark.parametrize(("group", "expected"), GROUP_CASES)
def test_groups_combine_conditions(catalogue, group, expected):
    assert labels({"filters": group}) == expected


def test_groups_nest_up_to_the_depth_limit(catalogue):
    group: dict = {"and": [{"column": "priority", "value": 5}]}
    for _ in range(MAX_DEPTH - 1):
        group = {"and": [group]}
    assert labels({"filters": group}) == {"bravo"}


def test_a_bare_list_or_group_is_the_same_as_the_request_body(catalogue):
    condition = {"column": "priority", "value": 5}
    assert labels([condition]) == labels({"filters": [condition]}) == {"bravo"}
    assert labels({"or": [condition]}) == labels({"filters": {"or": [condition]}}) == {"bravo"}


@pytest.mark.parametrize(
    "payload", [None, {"filters": None}, {"filters": []}, [], {}, {"and": []}, {"not": [{"or": []}]}]
)
def test_no_conditions_means_no_filter(payload):
    assert parse_filters(payload) is None


def test_the_filter_is_a_plain_q_for_any_queryset(catalogue):
    q = parse_filters([{"column": "priority", "value": 9}])
    assert isinstance(q, Q)
    assert list(Task.objects.filter(q).values_list("hash", flat=True)) == ["charlie"]


def test_schedules_are_filtered_from_their_own_allow_list():
    Schedule.objects.create(scheduler_id="boefje", organisation="acme", hash="on", data={"boefje": {"id": "nmap"}})
    Schedule.objects.create(scheduler_id="boefje", organisation="acme", hash="off", enabled=False)
    q = parse_filters([{"column": "enabled", "value": False}], columns=SCHEDULE_COLUMNS)
    assert list(Schedule.objects.filter(q).values_list("hash", flat=True)) == ["off"]
    q = parse_filters([data_on("boefje__id", "eq", "nmap")], columns=SCHEDULE_COLUMNS)
    assert list(Schedule.objects.filter(q).values_list("hash", flat=True)) == ["on"]
    with pytest.raises(InvalidInput) as refused:
        parse_filters([{"column": "priority", "value": 1}], columns=SCHEDULE_COLUMNS)
    assert_message(refused.value, COLUMN_UNKNOWN, "filters[0].column")


# --- refusals ---------------------------------------------------------------------------------------


def assert_message(error: InvalidInput, template: str, field: str) -> None:
    """The error was built from `template` (placeholders may hold anything) and names `field`."""
    pattern = "".join(
        ".*" if index % 2 else re.escape(part) for index, part in enumerate(re.split(r"(\{[^}]*\})", str(template)))
    )
    assert re.fullmatch(pattern, error.message, flags=re.DOTALL), error.message
    assert error.field == field


def nested(depth: int) -> dict:
    group: dict = {"and": [{"column": "priority", "value": 1}]}
    for _ in range(depth - 1):
        group = {"and": [group]}
    return group


REFUSALS = [
    # Request shape.
    ({"filters": [], "limit": 5}, REQUEST_UNKNOWN_KEYS, "filters"),
    ("priority = 1", FILTERS_MALFORMED, "filters"),
    (5, FILTERS_MALFORMED, "filters"),
    ({"xor": []}, FILTERS_MALFORMED, "filters"),
    ({"filters": {"and": {"column": "priority"}}}, GROUP_NOT_A_LIST, "filters.and"),
    ({"filters": ["priority"]}, ITEM_MALFORMED, "filters[0]"),
    ({"filters": [{"colum": "priority", "value": 1}]}, ITEM_MALFORMED, "filters[0]"),
    ({"filters": [{}]}, ITEM_MALFORMED, "filters[0]"),
    ({"filters": {"or": [{"xor": []}]}}, ITEM_MALFORMED, "filters.or[0]"),
    ({"filters": nested(MAX_DEPTH + 1)}, TOO_DEEP, "filters" + ".and[0]" * MAX_DEPTH),
    ({"filters": [{"column": "priority", "value": 1}] * (MAX_TERMS + 1)}, TOO_MANY, f"filters[{MAX_TERMS}]"),
    ({"filters": [{"and": []}] * (MAX_TERMS + 1)}, TOO_MANY, f"filters[{MAX_TERMS}]"),
    # Conditions.
    ({"filters": [{"column": "priority", "opertor": "gt", "value": 1}]}, CONDITION_UNKNOWN_KEYS, "filters[0]"),
    ({"filters": [{"column": "secret", "value": 1}]}, COLUMN_UNKNOWN, "filters[0].column"),
    ({"filters": [{"column": "attempts", "value": 1}]}, COLUMN_UNKNOWN, "filters[0].column"),
    ({"filters": [{"column": "data__boefje__id", "value": "nmap"}]}, COLUMN_UNKNOWN, "filters[0].column"),
    ({"filters": [{"column": 7, "value": 1}]}, COLUMN_UNKNOWN, "filters[0].column"),
    ({"filters": [{"column": "organisation", "field": "name", "value": "x"}]}, FIELD_NOT_ALLOWED, "filters[0].field"),
    ({"filters": [data_on("", "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on("boefje__", "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on("__id", "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on("boefje.id", "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on("boefje id", "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on("__".join(["k"] * 11), "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on("k" * 101, "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [data_on(["boefje", "id"], "eq", "x")]}, FIELD_INVALID, "filters[0].field"),
    ({"filters": [{"column": "priority", "operator": "regex", "value": 1}]}, OPERATOR_UNKNOWN, "filters[0].operator"),
    ({"filters": [{"column": "priority", "operator": None, "value": 1}]}, OPERATOR_UNKNOWN, "filters[0].operator"),
    ({"filters": [{"column": "priority", "operator": "IN", "value": [1]}]}, OPERATOR_UNKNOWN, "filters[0].operator"),
    (
        {"filters": [{"column": "priority", "operator": "like", "value": "1%"}]},
        OPERATOR_NOT_FOR_COLUMN,
        "filters[0].operator",
    ),
    (
        {"filters": [{"column": "status", "operator": "gt", "value": "queued"}]},
        OPERATOR_NOT_FOR_COLUMN,
        "filters[0].operator",
    ),
    (
        {"filters": [{"column": "id", "operator": "contains", "value": "ab"}]},
        OPERATOR_NOT_FOR_COLUMN,
        "filters[0].operator",
    ),
    (
        {"filters": [{"column": "data", "operator": "like", "value": "%x%"}]},
        OPERATOR_NOT_FOR_COLUMN,
        "filters[0].operator",
    ),
    (
        {"filters": [{"column": "created_at", "operator": "not_ilike", "value": "2025%"}]},
        OPERATOR_NOT_FOR_COLUMN,
        "filters[0].operator",
    ),
    ({"filters": [{"column": "priority", "operator": "gt"}]}, VALUE_MISSING, "filters[0].value"),
    # Values on columns.
    ({"filters": [{"column": "priority", "value": "5"}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [{"column": "priority", "value": True}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [{"column": "priority", "value": 2.5}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [{"column": "priority", "operator": "gt", "value": 2**31}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    (
        {"filters": [{"column": "priority", "operator": "in", "value": [1, "2"]}]},
        VALUE_WRONG_TYPE,
        "filters[0].value[1]",
    ),
    ({"filters": [{"column": "status", "value": "sleeping"}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    (
        {"filters": [{"column": "type", "operator": "in", "value": ["boefje", "plugin"]}]},
        VALUE_WRONG_TYPE,
        "filters[0].value[1]",
    ),
    ({"filters": [{"column": "id", "value": "not-a-uuid"}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [{"column": "schedule_id", "value": 12}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    (
        {"filters": [{"column": "created_at", "operator": "gt", "value": "yesterday"}]},
        VALUE_WRONG_TYPE,
        "filters[0].value",
    ),
    (
        {"filters": [{"column": "created_at", "operator": "gt", "value": "2025-01-01T00:00:00"}]},
        VALUE_WRONG_TYPE,
        "filters[0].value",
    ),
    (
        {"filters": [{"column": "created_at", "operator": "gt", "value": 1735689600}]},
        VALUE_WRONG_TYPE,
        "filters[0].value",
    ),
    ({"filters": [{"column": "organisation", "value": 5}]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [{"column": "organisation", "value": "ac\x00me"}]}, VALUE_HAS_NUL, "filters[0].value"),
    ({"filters": [{"column": "organisation", "value": "a" * 5000}]}, VALUE_TOO_LONG, "filters[0].value"),
    (
        {"filters": [{"column": "schedule_id", "operator": "is_null", "value": "yes"}]},
        VALUE_WRONG_TYPE,
        "filters[0].value",
    ),
    ({"filters": [{"column": "organisation", "operator": "in", "value": "acme"}]}, LIST_REQUIRED, "filters[0].value"),
    ({"filters": [{"column": "priority", "operator": "in", "value": [1] * 1001}]}, LIST_REQUIRED, "filters[0].value"),
    (
        {"filters": [{"column": "organisation", "operator": "like", "value": "acme\\"}]},
        LIKE_TRAILING_ESCAPE,
        "filters[0].value",
    ),
    # Values on data paths.
    ({"filters": [data_on("boefje__id", "in", ["nmap", 1])]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "in", [None])]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "in", [True, 1])]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "in", "nmap")]}, LIST_REQUIRED, "filters[0].value"),
    ({"filters": [data_on("boefje__port", "gt", True)]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__port", "lt", [1])]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "like", 5)]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "starts_with", {"a": 1})]}, VALUE_NOT_FOR_OPERATOR, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "like", "nmap\\")]}, LIKE_TRAILING_ESCAPE, "filters[0].value"),
    ({"filters": [data_on("boefje__port", "eq", float("nan"))]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [data_on("boefje__port", "gt", float("inf"))]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [data_on("boefje__port", "eq", 2**64)]}, VALUE_WRONG_TYPE, "filters[0].value"),
    ({"filters": [data_on("boefje__id", "eq", "nm\x00ap")]}, VALUE_HAS_NUL, "filters[0].value"),
    pytest.param(
        {"filters": [data_on("boefje", "@>", {"id": "nm\x00ap"})]}, VALUE_HAS_NUL, "filters[0].value", marks=CONTAINMENT
    ),
    pytest.param(
        {"filters": [data_on("boefje", "@>", {"k": nested(20)})]}, JSON_TOO_BIG, "filters[0].value", marks=CONTAINMENT
    ),
    pytest.param(
        {"filters": [data_on("boefje__tags", "@>", list(range(2000)))]},
        JSON_TOO_BIG,
        "filters[0].value",
        marks=CONTAINMENT,
    ),
    (
        {"filters": {"not": [{"and": [data_on("boefje__id", "eq", 1.5), data_on("x", "like", [])]}]}},
        VALUE_NOT_FOR_OPERATOR,
        "filters.not[0].and[1].value",
    ),
]


@pytest.mark.parametrize(("payload", "template", "field"), REFUSALS)
def test_every_malformed_filter_is_refused_with_a_message_naming_the_problem(payload, template, field):
    with pytest.raises(InvalidInput) as refused:
        parse_filters(payload)
    assert_message(refused.value, template, field)


def test_refusals_say_what_would_have_been_right():
    with pytest.raises(InvalidInput) as refused:
        parse_filters([{"column": "secret", "value": 1}])
    assert "'secret'" in refused.value.message
    assert "organisation" in refused.value.message and "data" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        parse_filters([{"column": "priority", "operator": "like", "value": "1%"}])
    assert "'like'" in refused.value.message and "not_in" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        parse_filters([{"column": "status", "value": "sleeping"}])
    assert "'queued'" in refused.value.message


# --- injection attempts -----------------------------------------------------------------------------

INJECTED_STRUCTURE = [
    {"column": "status; DROP TABLE rocky_scheduler_task; --", "value": "queued"},
    {"column": "data->>'boefje'", "value": "x"},
    {"column": "priority", "operator": "= 1 OR 1=1 --", "value": 1},
    {"column": "priority", "operator": ") OR (1=1", "value": 1},
    data_on("boefje__id') OR 1=1 --", "eq", "x"),
    data_on('boefje__id" OR "1"="1', "eq", "x"),
    data_on("boefje__id;DELETE FROM rocky_scheduler_task", "eq", "x"),
    data_on("boefje__id\x00", "eq", "x"),
]


@pytest.mark.parametrize("condition", INJECTED_STRUCTURE)
def test_injection_through_column_field_or_operator_is_refused(catalogue, condition):
    before = sorted(Task.objects.values_list("id", "status", "priority"))
    with pytest.raises(InvalidInput):
        parse_filters({"filters": [condition]})
    assert sorted(Task.objects.values_list("id", "status", "priority")) == before


INJECTED_VALUES = [
    "x') OR 1=1 --",
    "x' OR '1'='1",
    "'; DELETE FROM rocky_scheduler_task; --",
    '"); DROP TABLE rocky_scheduler_task; --',
    "\\'; UPDATE rocky_scheduler_task SET priority = 1; --",
]


@pytest.mark.parametrize("value", INJECTED_VALUES)
def test_injection_through_values_is_plain_data(catalogue, value):
    target = boefje_task("target", {"id": value}, organisation=value, priority=7)
    before = sorted(Task.objects.values_list("id", "status", "priority"))

    for condition in (
        data_on("boefje__id", "eq", value),
        data_on("boefje__id", "in", [value, "unrelated"]),
        data_on("boefje__id", "like", value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")),
        data_on("boefje__id", "contains", value),
        {"column": "organisation", "value": value},
        {"column": "organisation", "operator": "in", "value": [value]},
        {"column": "organisation", "operator": "starts_with", "value": value},
    ):
        assert labels([condition]) == {"target"}, condition
    assert labels([data_on("boefje__id", "ne", value)]) == set(catalogue)
    assert sorted(Task.objects.values_list("id", "status", "priority")) == before

    assert [task.id for task in pop([data_on("boefje__id", "eq", value)])] == [target.id]
    assert Task.objects.count() == len(before)


DIGIT_KEY = pytest.mark.postgresql_only(
    reason="Django's SQLite JSON path reads a digit key as an array index ($[0]), PostgreSQL's #> as either"
)


@pytest.mark.parametrize(
    "key", ["in", "contains", "exact", "isnull", "gt", "has_key", "regex", pytest.param("0", marks=DIGIT_KEY)]
)
def test_path_keys_named_like_django_lookups_are_just_keys(key):
    boefje_task("literal", {"id": "nmap", key: "yes"})
    boefje_task("plain", {"id": "nmap"})
    assert labels([data_on(f"boefje__{key}", "eq", "yes")]) == {"literal"}
    # Had the key been read as a lookup, `boefje__id__in` would mean "boefje.id in ..." and match both.
    assert labels([data_on(f"boefje__id__{key}", "eq", "nmap")]) == set()
    assert labels([data_on(f"boefje__id__{key}", "is_null", None)]) == {"literal", "plain"}


# --- PostgreSQL and SQLite agree --------------------------------------------------------------------

CROSS_BACKEND_CASES = {
    "text in": [data_on("boefje__id", "in", ["nmap", "dns-records"])],
    "text not_in": [data_on("boefje__id", "not_in", ["nmap"])],
    "text ordering": [data_on("boefje__id", "gt", "nmap")],
    "number eq": [data_on("boefje__port", "eq", 53)],
    "number gt skips strings": [data_on("boefje__port", "gt", 100)],
    "number lt skips strings": [data_on("boefje__port", "lt", 100000)],
    "number as text": [data_on("boefje__port", "eq", "8080")],
    "stored number as text": [data_on("boefje__port", "in", ["53"])],
    "boolean": [data_on("boefje__tls", "eq", False)],
    "null or missing": [data_on("boefje__tls", "is_null", True)],
    "not null": [data_on("boefje__tls", "ne", None)],
    "like": [data_on("boefje__id", "like", "nmap-%")],
    "ilike": [data_on("boefje__id", "ilike", "NMAP%")],
    "not group": [{"not": [data_on("boefje__id", "eq", "nmap"), {"column": "priority", "value": 1}]}],
    "columns": [
        {"column": "organisation", "operator": "like", "value": "%o%"},
        {"column": "priority", "operator": "gte", "value": 3},
    ],
}


def cross_backend_answers() -> dict[str, list[str]]:
    """Build the catalogue on whatever database is configured and answer every cross-backend case."""
    Task.objects.all().delete()
    Schedule.objects.all().delete()
    make_catalogue()
    return {name: sorted(labels(conditions)) for name, conditions in CROSS_BACKEND_CASES.items()}


SQLITE_RUNNER = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.test_filters import cross_backend_answers
print(json.dumps(cross_backend_answers()))
"""


@pytest.mark.postgresql_only(reason="compares PostgreSQL's answers with SQLite's: on SQLite both sides would be SQLite")
def test_postgresql_and_sqlite_give_the_same_answers(tmp_path):
    on_postgresql = cross_backend_answers()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["SCHEDULER_SQLITE_PATH"] = str(tmp_path / "filters.sqlite3")
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_RUNNER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    on_sqlite = json.loads(result.stdout.strip().splitlines()[-1])
    assert on_sqlite == on_postgresql
    assert on_postgresql["text in"] == ["alpha", "bravo"]
    assert on_postgresql["number gt skips strings"] == ["bravo"]
    assert on_postgresql["number lt skips strings"] == ["alpha", "bravo"]
    assert on_postgresql["stored number as text"] == ["alpha"]
    assert on_postgresql["null or missing"] == ["charlie", "delta"]
    assert on_postgresql["not group"] == ["charlie", "delta"]
