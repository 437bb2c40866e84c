"""Server-side prepared statements for the hot paths on PostgreSQL (the claim and the status change).

Planning the claim and the transition was about half of their time in PostgreSQL (0.3 ms and 0.2 ms
of 0.7 and 0.5 ms, EXPLAIN ANALYZE), paid again on every pop and every status report. A statement
prepared once per connection is parsed and planned once; PostgreSQL keeps using custom plans until
a generic one is as good (plan_cache_mode auto). The statements hold only primary-key and queue
index look-ups, so a generic plan is the same plan.

Prepared statements live in the database session: each Django connection prepares on first use,
and a new connection (reconnect, CONN_MAX_AGE) starts afresh. A connection pooler that shares
sessions between clients (PgBouncer in transaction mode) breaks them; set
ROCKY_SCHEDULER["PREPARED_STATEMENTS"] = False there, and the same SQL is sent as plain statements.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from rocky_scheduler.conf import app_settings


class _Prepared:
    """Runs `_execute` of a per-connection `_prepare`; subclasses build both from their SQL."""

    name: str
    sql: str
    _prepare: str
    _execute: str

    def execute(self, cursor: CursorWrapper, params: Sequence[Any] | Mapping[str, Any]) -> None:
        if not app_settings.PREPARED_STATEMENTS:
            cursor.execute(self.sql, params)
            return
        prepared = _prepared_names()
        if self.name not in prepared:
            cursor.execute(self._prepare)
            prepared.add(self.name)
        cursor.execute(self._execute, params)


def _prepared_names() -> set[str]:
    """The statements prepared in the current database session (a new session has none)."""
    raw = connection.connection
    state = getattr(connection, "_rocky_scheduler_prepared", None)
    # Compared by identity with the live session object it was recorded for: a reconnect replaces it.
    if state is None or state[0] is not raw:
        state = (raw, set())
        # Kept on Django's connection wrapper (one per thread), beside the session it describes.
        connection._rocky_scheduler_prepared = state  # type: ignore[attr-defined]
    return state[1]


_NAMED = re.compile(r"%%|%\((\w+)\)s")


class NamedPreparedStatement(_Prepared):
    """A statement with `%(name)s` placeholders; a name used several times is one parameter of the PREPARE.

    `types` gives each name's PostgreSQL type. Executed with a mapping of name -> value (`execute`).
    """

    def __init__(self, name: str, sql: str, types: Mapping[str, str]) -> None:
        self.name = name
        self.sql = sql
        self._names: list[str] = []
        for match in _NAMED.finditer(sql):
            if match.group(1) and match.group(1) not in self._names:
                self._names.append(match.group(1))

        def number(match: re.Match) -> str:
            return "%" if match.group(1) is None else f"${self._names.index(match.group(1)) + 1}"

        # PREPARE is sent without parameters, so `%%` must become the `%` it stands for.
        numbered = _NAMED.sub(number, sql)
        kinds = [types[param] for param in self._names]
        self._prepare = f"PREPARE {name} ({', '.join(kinds)}) AS {numbered}"
        arguments = ", ".join(f"%({param})s::{kind}" for param, kind in zip(self._names, kinds, strict=True))
        self._execute = f"EXECUTE {name} ({arguments})"
