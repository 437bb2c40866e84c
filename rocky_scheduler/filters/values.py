"""Check and convert filter values before they reach the database.

Every value that could make the database itself fail (out-of-range integers, NUL characters,
NaN, a LIKE pattern ending in its escape character) is refused here, so a bad filter is a 400
with a message, never a database error.
"""

import datetime
import math
import uuid
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput

VALUE_WRONG_TYPE = _("{where}: expected {expected}, got {got}.")
VALUE_TOO_LONG = _("{where}: strings are limited to {maximum} characters.")
VALUE_HAS_NUL = _("{where}: strings must not contain NUL characters.")
LIST_REQUIRED = _("{where}: operator {operator!r} needs a list of at most {maximum} values, got {got}.")
LIKE_TRAILING_ESCAPE = _("{where}: a LIKE pattern must not end with the escape character '\\'.")
JSON_TOO_BIG = _("{where}: JSON values nest at most {depth} deep and hold at most {items} items.")

MAX_STRING_LENGTH = 4096
MAX_LIST_LENGTH = 1000
MAX_JSON_DEPTH = 10
MAX_JSON_ITEMS = 1000
# PostgreSQL `integer` columns: a larger number would be a database error, not "no match".
INTEGER_COLUMN_RANGE = (-(2**31), 2**31 - 1)
# JSON numbers are compared by SQLite as 64-bit integers or doubles.
JSON_INTEGER_RANGE = (-(2**63), 2**63 - 1)


def describe(value: object) -> str:
    """A short rendering of a client's value for an error message (never the whole of a huge value)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(VALUE_WRONG_TYPE.format(where=where, expected="a string", got=describe(value)), field=where)
    if len(value) > MAX_STRING_LENGTH:
        raise InvalidInput(VALUE_TOO_LONG.format(where=where, maximum=MAX_STRING_LENGTH), field=where)
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; the driver would raise instead of finding nothing.
        raise InvalidInput(VALUE_HAS_NUL.format(where=where), field=where)
    return value


def as_choice(value: object, where: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        expected = "one of " + ", ".join(repr(choice) for choice in choices)
        raise InvalidInput(VALUE_WRONG_TYPE.format(where=where, expected=expected, got=describe(value)), field=where)
    return value


def as_integer(value: object, where: str) -> int:
    low, high = INTEGER_COLUMN_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        expected = f"an integer between {low} and {high}"
        raise InvalidInput(VALUE_WRONG_TYPE.format(where=where, expected=expected, got=describe(value)), field=where)
    return value


def as_boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(
            VALUE_WRONG_TYPE.format(where=where, expected="true or false", got=describe(value)), field=where
        )
    return value


def as_uuid(value: object, where: str) -> uuid.UUID:
    try:
        if not isinstance(value, str):
            raise ValueError
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(
            VALUE_WRONG_TYPE.format(where=where, expected="a UUID string", got=describe(value)), field=where
        ) from None


def as_datetime(value: object, where: str) -> datetime.datetime:
    try:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError
        moment = datetime.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            # A naive time would silently be read in the server's zone.
            raise ValueError
        return moment
    except ValueError:
        expected = "an ISO 8601 date-time with a timezone, like '2025-01-31T12:00:00+00:00'"
        raise InvalidInput(
            VALUE_WRONG_TYPE.format(where=where, expected=expected, got=describe(value)), field=where
        ) from None


def as_list(value: object, where: str, operator: str) -> list:
    if not isinstance(value, list) or len(value) > MAX_LIST_LENGTH:
        message = LIST_REQUIRED.format(where=where, operator=operator, maximum=MAX_LIST_LENGTH, got=describe(value))
        raise InvalidInput(message, field=where)
    return value


def as_json(value: object, where: str) -> object:
    """A JSON value the database will accept: finite numbers, NUL-free strings, bounded size."""
    items = 0

    def walk(node: object, depth: int) -> None:
        nonlocal items
        items += 1
        if depth > MAX_JSON_DEPTH or items > MAX_JSON_ITEMS:
            raise InvalidInput(
                JSON_TOO_BIG.format(where=where, depth=MAX_JSON_DEPTH, items=MAX_JSON_ITEMS), field=where
            )
        if node is None or isinstance(node, bool):
            return
        if isinstance(node, str):
            as_text(node, where)
        elif isinstance(node, int):
            low, high = JSON_INTEGER_RANGE
            if not low <= node <= high:
                expected = f"an integer between {low} and {high}"
                message = VALUE_WRONG_TYPE.format(where=where, expected=expected, got=describe(node))
                raise InvalidInput(message, field=where)
        elif isinstance(node, float):
            if not math.isfinite(node):
                message = VALUE_WRONG_TYPE.format(where=where, expected="a finite number", got=describe(node))
                raise InvalidInput(message, field=where)
        elif isinstance(node, list):
            for element in node:
                walk(element, depth + 1)
        elif isinstance(node, dict):
            for key, element in node.items():
                walk(key if isinstance(key, str) else object(), depth + 1)
                walk(element, depth + 1)
        else:
            message = VALUE_WRONG_TYPE.format(where=where, expected="a JSON value", got=describe(node))
            raise InvalidInput(message, field=where)

    walk(value, 0)
    return value


def as_like_pattern(value: object, where: str) -> str:
    """An SQL LIKE pattern (`%`, `_`, backslash escapes) rewritten so only `\\%`, `\\_` and `\\\\` stay escaped.

    The database then reads it exactly as the client meant, and a dangling escape at the end, which
    PostgreSQL would reject with an error, is refused here instead.
    """
    pattern = as_text(value, where)
    rewritten: list[str] = []
    characters = iter(pattern)
    for character in characters:
        if character != "\\":
            rewritten.append(character)
            continue
        escaped = next(characters, None)
        if escaped is None:
            raise InvalidInput(LIKE_TRAILING_ESCAPE.format(where=where), field=where)
        rewritten.append("\\" + escaped if escaped in "%_\\" else escaped)
    return "".join(rewritten)
