"""Decoding JSON input that PostgreSQL can store: one set of rules for HTTP bodies and AMQP messages.

The API parser and the AMQP consumer each word the refusal their own way (a 400 `detail`, a dead-letter
reason), so `decode_json` reports *why* as a `JSONRefusal` and leaves the message to the adapter.
"""

import enum
import json
import math
import re
from collections.abc import Callable
from typing import Any

SURROGATE = re.compile("[\ud800-\udfff]")


def any_string(value: object, predicate: Callable[[str], bool]) -> bool:
    """Whether any string in `value` (keys included, at any depth) satisfies `predicate`; no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if predicate(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def contains_nul(value: object) -> bool:
    """PostgreSQL stores no NUL character in text or jsonb."""
    return any_string(value, lambda text: "\x00" in text)


def contains_surrogate(value: object) -> bool:
    """A lone UTF-16 surrogate cannot be encoded for any database column."""
    return any_string(value, lambda text: SURROGATE.search(text) is not None)


class Refusal(enum.Enum):
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    TOO_DEEP = "too_deep"
    HAS_NUL = "has_nul"
    HAS_SURROGATE = "has_surrogate"


class JSONRefusal(ValueError):
    """`raw` is no JSON PostgreSQL could store; `reason` says why, `error` is the decoder's own words (or None)."""

    def __init__(self, reason: Refusal, error: Exception | None = None) -> None:
        super().__init__(reason.value if error is None else f"{reason.value}: {error}")
        self.reason = reason
        self.error = error


def decode_json(raw: bytes) -> Any:
    """The JSON value of `raw` (UTF-8), or JSONRefusal.

    Refused besides malformed JSON: NaN/Infinity and numbers overflowing to infinity (jsonb refuses them),
    NUL characters (no text column stores them) and unpaired surrogates (no UTF-8 text) — refused here,
    not with a database error in the middle of a transaction.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JSONRefusal(Refusal.NOT_UTF8, error) from None
    try:
        parsed = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise JSONRefusal(Refusal.TOO_DEEP) from None
    except ValueError as error:
        raise JSONRefusal(Refusal.NOT_JSON, error) from None
    # The escapes are searched in the text first: walking every string of a large body costs more.
    if "\\u0000" in text.lower() and contains_nul(parsed):
        raise JSONRefusal(Refusal.HAS_NUL)
    if "\\ud" in text.lower() and contains_surrogate(parsed):
        raise JSONRefusal(Refusal.HAS_SURROGATE)
    return parsed


def _reject_constant(name: str) -> None:
    # NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    """A JSON number as a float, refused when it overflows to infinity (`1e400`), which jsonb refuses."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value
