"""OpenKAT's scheduler filter language, parsed into Django Q objects from an allow-list.

A request is `{"filters": [condition, ...]}` (all must hold) or `{"filters": {"and"|"or"|"not":
[condition or group, ...]}}`, groups nesting up to `MAX_DEPTH` with at most `MAX_TERMS` conditions
and groups in all. A condition is `{"column", "field"?, "operator"? (default "eq"), "value"?}`.

Semantics worth knowing:
- `not: [a, b]` holds when none of a, b holds.
- `ne`, `not_in`, `not_like` and `not` include rows where the value is missing or null, as
  Django's `exclude()` does; `eq null` / `ne null` mean `is_null` / `is_not_null`.
- `like`/`ilike` take SQL LIKE patterns (`%`, `_`, backslash escapes). On SQLite `like`,
  `contains` and `starts_with` ignore ASCII case, as Django's own lookups do there.
- `@>`, `<@` and `contains` with a non-string value are JSON containment (PostgreSQL only).
"""

from rocky_scheduler.filters.columns import SCHEDULE_COLUMNS, TASK_COLUMNS
from rocky_scheduler.filters.parse import MAX_DEPTH, MAX_TERMS, parse_filters

__all__ = ["MAX_DEPTH", "MAX_TERMS", "SCHEDULE_COLUMNS", "TASK_COLUMNS", "parse_filters"]
