"""The task store: the only code that writes task rows and their history.

Insert (with its `created` row), claim (pop, deduplication groups included), status change, lease expiry,
replacing or updating a queued duplicate, re-prioritising: each writes the task and its history together, and
the status machine is checked here. Two implementations, chosen once per database vendor: single SQL statements
on PostgreSQL (`postgresql.py`), the ORM elsewhere (`orm.py`, SQLite). Services never ask which one they have.
A test (tests/queue/test_single_writer.py) fails when code outside this package writes task or history rows.
"""

from django.db import connection

from rocky_scheduler.queue.store.orm import OrmTaskStore
from rocky_scheduler.queue.store.postgresql import PostgresqlTaskStore
from rocky_scheduler.queue.store.types import (
    QUEUE_ORDER,
    ClaimRequest,
    ClaimResult,
    DueRequest,
    DueTask,
    ExpiredLease,
    InsertOutcome,
    TransitionOutcome,
    TransitionRequest,
)

__all__ = [
    "QUEUE_ORDER",
    "ClaimRequest",
    "ClaimResult",
    "DueRequest",
    "DueTask",
    "ExpiredLease",
    "InsertOutcome",
    "OrmTaskStore",
    "TransitionOutcome",
    "TransitionRequest",
    "get_store",
]

_STORES: dict[str, OrmTaskStore] = {"postgresql": PostgresqlTaskStore()}
_DEFAULT = OrmTaskStore()


def get_store() -> OrmTaskStore:
    """The store for the database in use: PostgreSQL's statements there, the ORM anywhere else."""
    return _STORES.get(connection.vendor, _DEFAULT)
