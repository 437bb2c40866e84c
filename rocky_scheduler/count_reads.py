"""Reads of the maintained task counts (rocky_scheduler.models.counts) on PostgreSQL.

A count is its folded row in TaskCount plus the deltas not folded yet, summed in one statement (one snapshot):
exact right after a write, whether or not the fold has run, and never counted twice while a fold moves rows from
one table to the other. The per-hour and per-minute kinds keep the last 26 hours; `covers` says whether a window
lies within them (a caller asking for an older one counts the task table directly). SQLite has no counts.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from rocky_scheduler.access import OrganisationScope
from rocky_scheduler.models import TaskCountKind

# Less than the 26 hours kept, so a bucket the fold is about to prune is never asked for.
COVERED = datetime.timedelta(hours=25)
_COLUMNS = frozenset({"scheduler_id", "organisation", "status", "bucket", "kind"})


def counts_available() -> bool:
    return connection.vendor == "postgresql"


def covers(start: datetime.datetime) -> bool:
    """Whether counts from `start` on are all kept (and this database keeps counts at all)."""
    return counts_available() and start >= timezone.now() - COVERED


def summed_counts(
    kinds: Iterable[TaskCountKind],
    group_by: Sequence[str],
    *,
    scope: OrganisationScope,
    since: datetime.datetime | None = None,
    **equal: str,
) -> list[tuple]:
    """Rows of `group_by` columns and their count (non-zero only), over the counts of `kinds` that match `scope`,
    the column values in `equal` and, given `since`, buckets from it on."""
    columns = list(group_by)
    assert _COLUMNS.issuperset(columns) and _COLUMNS.issuperset(equal), "known columns only"
    conditions = ["kind = ANY(%s)"]
    params: list = [[str(kind) for kind in kinds]]
    for column, value in equal.items():
        conditions.append(f"{column} = %s")
        params.append(value)
    if not scope.everything:
        conditions.append("organisation = ANY(%s)")
        params.append(sorted(scope.codes or ()))
    if since is not None:
        conditions.append("bucket >= %s")
        params.append(since)
    where = " AND ".join(conditions)
    selected = ", ".join(columns)
    # Column names come from the fixed set above; every value is a parameter.
    sql = (
        f"SELECT {selected}, sum(n) FROM ("  # noqa: S608
        f' SELECT {selected}, count AS n FROM "rocky_scheduler_taskcount" WHERE {where}'
        f' UNION ALL SELECT {selected}, delta FROM "rocky_scheduler_taskcountdelta" WHERE {where}'
        f") counted GROUP BY {selected} HAVING sum(n) <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        return [(*row[:-1], int(row[-1])) for row in cursor.fetchall()]
