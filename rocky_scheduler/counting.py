"""Counts that stay cheap however big the tables grow: exact up to a bound, PostgreSQL's estimate above it.

A list's `count`, a queue's size and the admin's "N tasks" were `COUNT(*)`s, linear in what they count: about a
second for 11 million tasks (docs/benchmarks/scale.md). Here a count reads at most `EXACT_COUNT_UP_TO` + 1 rows
(`SELECT COUNT(*) FROM (... LIMIT n + 1)`, an index range for the filters the lists offer); when there are more,
the answer is the planner's row estimate for the same query (`EXPLAIN`, from the table's statistics: as fresh
as the last ANALYZE), never below the bound, and is marked estimated so the API and dashboard can say so
(docs/architecture.md, "Counts at scale"). What must be exact is not counted here: a bounded scheduler's room
is counted under its lock in services/task_push.py, which a refused push alone counts in full.

SQLite has no planner statistics to ask: above the bound it counts exactly (a deployment that big runs on
PostgreSQL).
"""

import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import IntegerField, QuerySet, Subquery, Value

from rocky_scheduler.conf import app_settings


@dataclass(frozen=True)
class Counted:
    value: int
    # True: more than the bound matched and `value` is the planner's estimate (at least the bound + 1).
    estimated: bool = False


def exact_count_bound() -> int:
    return int(app_settings.EXACT_COUNT_UP_TO)


def limited_rows(queryset: QuerySet, bound: int) -> QuerySet:
    """At most `bound` + 1 rows of `queryset`, each the constant 1: no column is read that its index lacks, so a
    filter an index answers is an index-only scan (the primary key, which Django's count selects, is not)."""
    return queryset.order_by().annotate(bounded_one=Value(1)).values("bounded_one")[: bound + 1]


class BoundedCount(Subquery):
    """COUNT(*) of `limited_rows(...)` as one column of a larger query (several counts in one round trip)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS bounded)"
    output_field = IntegerField()


def bounded_count(queryset: QuerySet, *, exact_up_to: int | None = None) -> Counted:
    """How many rows `queryset` holds: exact up to `exact_up_to` (the setting by default), estimated above."""
    bound = exact_count_bound() if exact_up_to is None else exact_up_to
    sql, params = limited_rows(queryset, bound).query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS bounded", params)  # noqa: S608 - Django-compiled SQL
        counted = cursor.fetchone()[0]
    return counted_or_estimated(queryset, counted, bound)


def counted_or_estimated(queryset: QuerySet, counted: int, bound: int) -> Counted:
    """`counted` (of at most bound + 1 rows of `queryset`) when exact, else the estimate for `queryset`."""
    if counted <= bound:
        return Counted(counted)
    if connections[queryset.db].vendor != "postgresql":
        return Counted(queryset.order_by().count())
    return Counted(max(bound + 1, planner_rows(queryset)), estimated=True)


def planner_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of the rows `queryset` returns: the plan's top row count, nothing executed."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
