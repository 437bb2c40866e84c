"""The shape of a filter request: lists, `and`/`or`/`not` groups, nesting and size limits."""

from collections.abc import Mapping

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.filters import values
from rocky_scheduler.filters.columns import TASK_COLUMNS, Column
from rocky_scheduler.filters.conditions import condition_q

REQUEST_UNKNOWN_KEYS = _("Unknown key(s) {keys} in the filter request; it holds only 'filters'.")
FILTERS_MALFORMED = _("{where} must be a list of conditions or an object with 'and', 'or' or 'not' lists, got {got}.")
GROUP_NOT_A_LIST = _("{where} must be a list of conditions or groups, got {got}.")
ITEM_MALFORMED = _(
    "{where} must be a condition (an object with a 'column') or a group (an object with only "
    "'and', 'or' or 'not'), got {got}."
)
TOO_DEEP = _("{where}: filter groups nest at most {maximum} deep.")
TOO_MANY = _("{where}: a filter holds at most {maximum} conditions and groups.")

MAX_DEPTH = 5
MAX_TERMS = 50
GROUP_KEYS = ("and", "or", "not")
ROOT = "filters"


def parse_filters(payload: object, *, columns: Mapping[str, Column] = TASK_COLUMNS) -> Q | None:
    """The Q of a filter request, or None when it filters nothing.

    `payload` is a request body `{"filters": ...}` or just its `filters` value: a list of
    conditions (all must hold) or a group `{"and"|"or"|"not": [...]}`. Raises InvalidInput,
    naming the offending part, for anything else.
    """
    if isinstance(payload, Mapping) and ROOT in payload:
        unknown = set(payload) - {ROOT}
        if unknown:
            keys = ", ".join(sorted(values.describe(key) for key in unknown))
            raise InvalidInput(REQUEST_UNKNOWN_KEYS.format(keys=keys), field=ROOT)
        payload = payload[ROOT]
    parser = _Parser(columns)
    if payload is None:
        return None
    if isinstance(payload, list):
        return parser.items("and", payload, ROOT, depth=1)
    if isinstance(payload, Mapping) and set(payload) <= set(GROUP_KEYS):
        return parser.group(payload, ROOT, depth=1)
    raise InvalidInput(FILTERS_MALFORMED.format(where=ROOT, got=values.describe(payload)), field=ROOT)


class _Parser:
    def __init__(self, columns: Mapping[str, Column]) -> None:
        self.columns = columns
        self.terms = 0

    def group(self, group: Mapping, where: str, *, depth: int) -> Q | None:
        # Several keys in one group all have to hold, as in OpenKAT, where each key is its own filter.
        parts = [self.items(key, group[key], f"{where}.{key}", depth=depth) for key in GROUP_KEYS if key in group]
        return _combine([part for part in parts if part is not None], Q.AND)

    def items(self, key: str, items: object, where: str, *, depth: int) -> Q | None:
        if not isinstance(items, list):
            raise InvalidInput(GROUP_NOT_A_LIST.format(where=where, got=values.describe(items)), field=where)
        items_q = [self.item(item, f"{where}[{index}]", depth=depth) for index, item in enumerate(items)]
        parts = [part for part in items_q if part is not None]
        if key == "and":
            return _combine(parts, Q.AND)
        combined = _combine(parts, Q.OR)
        # `not` means none of its items holds: the reading of a list that needs no extra rule.
        return ~combined if key == "not" and combined is not None else combined

    def item(self, item: object, where: str, *, depth: int) -> Q | None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise InvalidInput(TOO_MANY.format(where=where, maximum=MAX_TERMS), field=where)
        if isinstance(item, Mapping) and "column" in item:
            return condition_q(item, where, self.columns)
        if isinstance(item, Mapping) and item and set(item) <= set(GROUP_KEYS):
            if depth + 1 > MAX_DEPTH:
                raise InvalidInput(TOO_DEEP.format(where=where, maximum=MAX_DEPTH), field=where)
            return self.group(item, where, depth=depth + 1)
        raise InvalidInput(ITEM_MALFORMED.format(where=where, got=values.describe(item)), field=where)


def _combine(parts: list[Q], connector: str) -> Q | None:
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if connector == Q.AND else combined | part
    return combined
