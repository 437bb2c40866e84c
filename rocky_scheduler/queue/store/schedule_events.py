"""Schedule history rows in bulk: one statement for a rescheduling batch's thousands of rows."""

import datetime
import uuid
from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection

from rocky_scheduler.models import ScheduleEvent


class EventRow(NamedTuple):
    schedule_id: uuid.UUID
    at: datetime.datetime
    kind: str
    actor: str
    reason: str = ""
    deadline_from: datetime.datetime | None = None
    deadline_to: datetime.datetime | None = None


_COLUMNS = EventRow._fields
# Guarantees: every row or none (one statement); values are parameters, one array per column, cast to its type.
_INSERT_SQL = f"""
    INSERT INTO {ScheduleEvent._meta.db_table} ({", ".join(_COLUMNS)})
    SELECT * FROM unnest(%(schedule_id)s::uuid[], %(at)s::timestamptz[], %(kind)s::text[], %(actor)s::text[],
                         %(reason)s::text[], %(deadline_from)s::timestamptz[], %(deadline_to)s::timestamptz[])
"""  # noqa: S608 - the table name from model metadata; every value is a parameter


def schedule_events_insert(rows: Sequence[EventRow]) -> None:
    """Write the history rows: unnested arrays on PostgreSQL (no model instance per row), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ScheduleEvent.objects.bulk_create(ScheduleEvent(**row._asdict()) for row in rows)
        return
    params = {name: [row[index] for row in rows] for index, name in enumerate(_COLUMNS)}
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
