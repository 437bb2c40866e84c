"""One condition, `{"column", "field"?, "operator"?, "value"?}`, checked and turned into a Q."""

from collections.abc import Mapping

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.filters import operators as op
from rocky_scheduler.filters import values
from rocky_scheduler.filters.columns import Column, column_q
from rocky_scheduler.filters.data import data_path_q, parse_path

CONDITION_UNKNOWN_KEYS = _("{where}: unknown key(s) {keys}; a condition has 'column', 'field', 'operator' and 'value'.")
COLUMN_UNKNOWN = _("{where}: unknown column {column}; filterable columns are {allowed}.")
FIELD_NOT_ALLOWED = _("{where}: 'field' is only allowed with column {walkable}, not with {column!r}.")
OPERATOR_UNKNOWN = _("{where}: unknown operator {operator}; supported are {allowed}.")
OPERATOR_NOT_FOR_COLUMN = _("{where}: operator {operator!r} does not apply to column {column!r}; it takes {allowed}.")
VALUE_MISSING = _("{where}: operator {operator!r} needs a 'value'.")

CONDITION_KEYS = frozenset({"column", "field", "operator", "value"})
DEFAULT_OPERATOR = op.EQ
_MISSING = object()


def condition_q(condition: Mapping, where: str, columns: Mapping[str, Column]) -> Q:
    unknown = set(condition) - CONDITION_KEYS
    if unknown:
        keys = ", ".join(sorted(values.describe(key) for key in unknown))
        raise InvalidInput(CONDITION_UNKNOWN_KEYS.format(where=where, keys=keys), field=where)
    name = condition.get("column")
    if not isinstance(name, str) or name not in columns:
        message = COLUMN_UNKNOWN.format(where=where, column=values.describe(name), allowed=", ".join(columns))
        raise InvalidInput(message, field=f"{where}.column")
    column = columns[name]
    field = condition.get("field")
    if field is not None and not column.walkable:
        walkable = " or ".join(repr(other) for other, spec in columns.items() if spec.walkable)
        raise InvalidInput(
            FIELD_NOT_ALLOWED.format(where=where, walkable=walkable, column=name), field=f"{where}.field"
        )
    path = parse_path(field, f"{where}.field") if field is not None else None

    spelled = condition.get("operator", DEFAULT_OPERATOR)
    operator, negated = _operator(spelled, f"{where}.operator")
    value = condition.get("value", _MISSING)
    value_at = f"{where}.value"
    if operator == op.EQ and value is None:
        # OpenKAT's `== null` and `is null` mean SQL IS NULL.
        operator = op.IS_NULL
        value = True
    elif operator == op.IS_NULL and (value is _MISSING or value is None):
        value = True
    elif value is _MISSING:
        raise InvalidInput(VALUE_MISSING.format(where=where, operator=spelled), field=value_at)

    if path is not None:
        q = data_path_q(name, path, operator, value, value_at)
    else:
        if operator not in column.kind.operators:
            allowed = ", ".join(op.spell(column.kind.operators))
            message = OPERATOR_NOT_FOR_COLUMN.format(where=where, operator=spelled, column=name, allowed=allowed)
            raise InvalidInput(message, field=f"{where}.operator")
        q = column_q(name, column, operator, value, value_at)
    return ~q if negated else q


def _operator(raw: object, where: str) -> tuple[str, bool]:
    normalised = op.normalise(raw) if isinstance(raw, str) else None
    if normalised is None:
        message = OPERATOR_UNKNOWN.format(where=where, operator=values.describe(raw), allowed=", ".join(op.ALL_NAMES))
        raise InvalidInput(message, field=where)
    return normalised
