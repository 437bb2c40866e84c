"""The allow-lists: which columns a filter may name, what values they take, which operators apply.

A column name reaches the ORM only after it was found in one of these tables, so a client's string
is never used as a field path.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from django.db.models import F, Q
from django.db.models.lookups import Contains, StartsWith

from rocky_scheduler.filters import operators as op
from rocky_scheduler.filters import values
from rocky_scheduler.filters.expressions import ILike, Like, never, require_json_containment
from rocky_scheduler.models import TaskStatus
from rocky_scheduler.models.schedulers import TaskType


@dataclass(frozen=True)
class Kind:
    """A column type: the positive operators it supports and how one value is checked."""

    name: str
    operators: tuple[str, ...]
    check: Callable[[object, str], object]


UUID = Kind("uuid", (op.EQ, op.IN, op.IS_NULL), values.as_uuid)
TEXT = Kind(
    "text",
    (op.EQ, op.GT, op.LT, op.GTE, op.LTE, op.IN, op.LIKE, op.ILIKE, op.CONTAINS, op.STARTS_WITH, op.IS_NULL),
    values.as_text,
)
INTEGER = Kind("integer", (op.EQ, op.GT, op.LT, op.GTE, op.LTE, op.IN, op.IS_NULL), values.as_integer)
DATETIME = Kind("datetime", (op.EQ, op.GT, op.LT, op.GTE, op.LTE, op.IN, op.IS_NULL), values.as_datetime)
BOOLEAN = Kind("boolean", (op.EQ, op.IN, op.IS_NULL), values.as_boolean)
# The whole `data` document; with a `field` the data-path rules of filters.data apply instead.
JSON = Kind("json", (op.EQ, op.CONTAINS, op.JSON_CONTAINS, op.JSON_CONTAINED_BY, op.IS_NULL), values.as_json)


def choice(choices: list[str]) -> Kind:
    return Kind("choice", (op.EQ, op.IN, op.IS_NULL), partial(values.as_choice, choices=choices))


@dataclass(frozen=True)
class Column:
    kind: Kind
    # Only JSON columns may be walked into with `field`.
    walkable: bool = field(default=False)


TASK_COLUMNS: Mapping[str, Column] = {
    "id": Column(UUID),
    "scheduler_id": Column(TEXT),
    "schedule_id": Column(UUID),
    "organisation": Column(TEXT),
    "priority": Column(INTEGER),
    "status": Column(choice(TaskStatus.values)),
    "type": Column(choice(TaskType.values)),
    "hash": Column(TEXT),
    "data": Column(JSON, walkable=True),
    "created_at": Column(DATETIME),
    "modified_at": Column(DATETIME),
}

SCHEDULE_COLUMNS: Mapping[str, Column] = {
    "id": Column(UUID),
    "scheduler_id": Column(TEXT),
    "organisation": Column(TEXT),
    "hash": Column(TEXT),
    "data": Column(JSON, walkable=True),
    "enabled": Column(BOOLEAN),
    "schedule": Column(TEXT),
    "deadline_at": Column(DATETIME),
    "created_at": Column(DATETIME),
    "modified_at": Column(DATETIME),
}

# Django lookup suffixes for the operators built from keyword lookups; the column part is always an
# allow-listed name, so the whole lookup string is made of constants.
_KEYWORD_LOOKUPS = {
    op.EQ: "exact",
    op.GT: "gt",
    op.LT: "lt",
    op.GTE: "gte",
    op.LTE: "lte",
    op.IN: "in",
    op.IS_NULL: "isnull",
    op.JSON_CONTAINS: "contains",
    op.JSON_CONTAINED_BY: "contained_by",
}
# Pattern operators are built as expressions: foreign-key columns such as `scheduler_id` have no
# `contains` lookup of their own, and LIKE has none at all.
_PATTERN_LOOKUPS = {op.LIKE: Like, op.ILIKE: ILike, op.CONTAINS: Contains, op.STARTS_WITH: StartsWith}


def column_q(name: str, column: Column, operator: str, value: object, where: str) -> Q:
    """The Q of one positive operator on a plain column; `value` is the client's, still unchecked."""
    kind = column.kind
    if operator == op.IS_NULL:
        return Q((f"{name}__isnull", values.as_boolean(value, where)))
    if operator == op.IN:
        if value == []:
            return never()
        checked = [
            kind.check(element, f"{where}[{index}]")
            for index, element in enumerate(values.as_list(value, where, operator))
        ]
        return Q((f"{name}__in", checked))
    if kind is JSON and operator in (op.CONTAINS, op.JSON_CONTAINS, op.JSON_CONTAINED_BY):
        # On the whole document `contains` can only mean JSON containment.
        require_json_containment(operator, where)
        operator = op.JSON_CONTAINS if operator == op.CONTAINS else operator
    if operator in (op.LIKE, op.ILIKE):
        return Q(_PATTERN_LOOKUPS[operator](F(name), values.as_like_pattern(value, where)))
    if operator in _PATTERN_LOOKUPS:
        return Q(_PATTERN_LOOKUPS[operator](F(name), values.as_text(value, where)))
    return Q((f"{name}__{_KEYWORD_LOOKUPS[operator]}", kind.check(value, where)))
