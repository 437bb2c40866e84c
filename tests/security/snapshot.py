"""The whole database as a comparable value, so a test can say "this request changed nothing".

Every table is read, not just the scheduler's: a refused request must not create a session, a token,
a django-q2 schedule or an auth row either. Rows are hashed in Python, so this works on PostgreSQL
and SQLite alike; the tables of a test database are small.
"""

import hashlib
from dataclasses import dataclass

from django.db import connection

# Tables a request may touch without changing anything a user would call state.
IGNORED_TABLES = frozenset({"django_migrations"})
# Bookkeeping columns an authenticated request writes: a token's last use (a refused request may still have
# authenticated). Every other column of these tables still counts.
IGNORED_COLUMNS = {"rocky_scheduler_apitoken": ("last_used",)}


@dataclass(frozen=True)
class TableState:
    rows: int
    digest: str


def database_snapshot() -> dict[str, TableState]:
    """Row count and a digest of the sorted rows of every table."""
    with connection.cursor() as cursor:
        tables = [name for name in sorted(connection.introspection.table_names(cursor)) if name not in IGNORED_TABLES]
        if connection.vendor == "postgresql":
            return _postgresql_snapshot(cursor, tables)
        state: dict[str, TableState] = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected name
            kept = [i for i, column in enumerate(cursor.description) if column[0] not in IGNORED_COLUMNS.get(table, ())]
            rows = sorted(repr(tuple(row[i] for i in kept)) for row in cursor.fetchall())
            state[table] = TableState(len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return state


def _postgresql_snapshot(cursor, tables: list[str]) -> dict[str, TableState]:
    # One round trip: the fuzz tests take a snapshot around every generated request.
    parts = []
    for table in tables:
        row = "t::text"
        if table in IGNORED_COLUMNS:
            row = "(to_jsonb(t) - " + " - ".join(f"'{column}'" for column in IGNORED_COLUMNS[table]) + ")::text"
        parts.append(
            f"SELECT %s, count(*), md5(coalesce(string_agg({row}, E'\\n' ORDER BY {row}), '')) "  # noqa: S608
            f"FROM {connection.ops.quote_name(table)} t"
        )
    cursor.execute(" UNION ALL ".join(parts), tables)
    return {table: TableState(rows, digest) for table, rows, digest in cursor.fetchall()}


def changed_tables(before: dict[str, TableState], after: dict[str, TableState]) -> list[str]:
    """Names of the tables that differ, for an assertion message that says where to look."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
