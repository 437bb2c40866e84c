"""Conditions on a path inside a JSON column (`"column": "data", "field": "boefje__id"`).

The path is never handed to Django as a lookup string: each key becomes a KeyTransform, so a key
named `in`, `contains` or `isnull` is just a key, and keys reach the SQL as parameters.

Values decide how the JSON is compared: strings as text (so `in` with strings works on PostgreSQL
and SQLite alike), numbers as JSON numbers (ordering only among numbers), booleans, objects and
arrays as JSON.
"""

import re

from django.db.models import Expression, ExpressionWrapper, F, JSONField, Q
from django.db.models.fields.json import (
    ContainedBy,
    DataContains,
    KeyTextTransform,
    KeyTransform,
    KeyTransformExact,
    KeyTransformGt,
    KeyTransformGte,
    KeyTransformIn,
    KeyTransformIsNull,
    KeyTransformLt,
    KeyTransformLte,
)
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.filters import operators as op
from rocky_scheduler.filters import values
from rocky_scheduler.filters.expressions import ILike, IsJSONNumber, JSONText, Like, never, require_json_containment

FIELD_INVALID = _(
    "{where}: {field} is not a JSON path: keys of letters, digits, '_' or '-' joined by '__', "
    "at most {max_keys} keys of at most {max_length} characters."
)
VALUE_NOT_FOR_OPERATOR = _("{where}: operator {operator!r} on a data path takes {expected}, got {got}.")

MAX_PATH_KEYS = 10
MAX_KEY_LENGTH = 100
PATH_SEPARATOR = "__"
_KEY = re.compile(r"[A-Za-z0-9_-]+")

_TEXT_LOOKUPS = {
    op.EQ: Exact,
    op.GT: GreaterThan,
    op.LT: LessThan,
    op.GTE: GreaterThanOrEqual,
    op.LTE: LessThanOrEqual,
    op.LIKE: Like,
    op.ILIKE: ILike,
    op.CONTAINS: Contains,
    op.STARTS_WITH: StartsWith,
}
_NUMBER_ORDERING = {op.GT: KeyTransformGt, op.LT: KeyTransformLt, op.GTE: KeyTransformGte, op.LTE: KeyTransformLte}


def parse_path(field: object, where: str) -> tuple[str, ...]:
    """The keys of a `field`, each checked against the key pattern."""
    keys = field.split(PATH_SEPARATOR) if isinstance(field, str) else []
    if not keys or len(keys) > MAX_PATH_KEYS or not all(_is_key(key) for key in keys):
        message = FIELD_INVALID.format(
            where=where, field=values.describe(field), max_keys=MAX_PATH_KEYS, max_length=MAX_KEY_LENGTH
        )
        raise InvalidInput(message, field=where)
    return tuple(keys)


def _is_key(key: str) -> bool:
    return len(key) <= MAX_KEY_LENGTH and _KEY.fullmatch(key) is not None


def data_path_q(column: str, path: tuple[str, ...], operator: str, value: object, where: str) -> Q:
    """The Q of one positive operator on `column` at `path`.

    Every result is two-valued (true or false, never NULL) even when the key is missing, so that
    `ne`, `not_in` and `not` groups include tasks that lack the key, as a reader would expect.
    """
    if operator == op.IS_NULL:
        missing_or_null = Q(KeyTransformIsNull(_json_at(column, path), True)) | Q(
            KeyTransformExact(_json_at(column, path), None)
        )
        return missing_or_null if values.as_boolean(value, where) else ~missing_or_null
    present = Q(KeyTransformIsNull(_json_at(column, path), False)) & ~Q(KeyTransformExact(_json_at(column, path), None))
    return _compare(column, path, operator, value, where) & present


def _compare(column: str, path: tuple[str, ...], operator: str, value: object, where: str) -> Q:
    if operator == op.IN:
        return _in(column, path, values.as_list(value, where, operator), where)
    if operator in (op.JSON_CONTAINS, op.JSON_CONTAINED_BY) or (operator == op.CONTAINS and not isinstance(value, str)):
        require_json_containment(operator, where)
        lookup = ContainedBy if operator == op.JSON_CONTAINED_BY else DataContains
        return Q(lookup(_json_at(column, path), values.as_json(value, where)))
    if isinstance(value, str):
        text = values.as_like_pattern(value, where) if operator in (op.LIKE, op.ILIKE) else values.as_text(value, where)
        return Q(_TEXT_LOOKUPS[operator](_text_at(column, path), text))
    if operator in _NUMBER_ORDERING and values.is_number(value):
        json_value = values.as_json(value, where)
        return Q(_NUMBER_ORDERING[operator](_json_at(column, path), json_value)) & Q(
            IsJSONNumber(_json_at(column, path))
        )
    if operator == op.EQ:
        return Q(KeyTransformExact(_json_at(column, path), values.as_json(value, where)))
    expected = "a number or a string" if operator in _NUMBER_ORDERING else "a string"
    raise InvalidInput(_wrong_value(where, operator, expected, value), field=where)


def _in(column: str, path: tuple[str, ...], elements: list, where: str) -> Q:
    if not elements:
        return never()
    if all(isinstance(element, str) for element in elements):
        texts = [values.as_text(element, f"{where}[{index}]") for index, element in enumerate(elements)]
        return Q(In(_text_at(column, path), texts))
    if all(values.is_number(element) for element in elements) or all(isinstance(element, bool) for element in elements):
        return Q(KeyTransformIn(_json_at(column, path), values.as_json(elements, where)))
    expected = "a list of only strings, only numbers or only booleans"
    raise InvalidInput(_wrong_value(where, op.IN, expected, elements), field=where)


def _wrong_value(where: str, operator: str, expected: str, value: object) -> str:
    return VALUE_NOT_FOR_OPERATOR.format(where=where, operator=operator, expected=expected, got=values.describe(value))


def _json_at(column: str, path: tuple[str, ...]) -> Expression:
    # The wrapper gives the key transforms a known output field before the query resolves them, so
    # lookups built here prepare their values (JSON adaptation) as ORM-built ones do.
    expression: Expression = ExpressionWrapper(F(column), output_field=JSONField())
    for key in path:
        expression = KeyTransform(key, expression)
    return expression


def _text_at(column: str, path: tuple[str, ...]) -> JSONText:
    *parents, last = path
    return JSONText(KeyTextTransform(last, _json_at(column, tuple(parents))))
