"""Checks on the strings inside parsed JSON that PostgreSQL cannot store (shared by HTTP and AMQP input)."""

import re
from collections.abc import Callable

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
