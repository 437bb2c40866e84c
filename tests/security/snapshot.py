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
            rows = sorted(repr(row) for row in cursor.fetchall())
            state[table] = TableState(len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return state


def _postgresql_snapshot(cursor, tables: list[str]) -> dict[str, TableState]:
    # One round trip: the fuzz tests take a snapshot around every generated request.
    parts = [
        f"SELECT %s, count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "  # noqa: S608
        f"FROM {connection.ops.quote_name(table)} t"
        for table in tables
    ]
    cursor.execute(" UNION ALL ".join(parts), tables)
    return {table: TableState(rows, digest) for table, rows, digest in cursor.fetchall()}


def changed_tables(before: dict[str, TableState], after: dict[str, TableState]) -> list[str]:
    """Names of the tables that differ, for an assertion message that says where to look."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
