"""Task rows as raw SQL returns them, turned into model instances the way the ORM would."""

from collections.abc import Sequence
from functools import cache
from typing import cast

from django.db import connection
from django.db.models import Field, Model

from rocky_scheduler.models import Task, TaskEvent

TASK_FIELDS = list(Task._meta.concrete_fields)

# The `created` history row of each task an `inserted` CTE returned (id, created_at, status, priority): the
# PostgreSQL store's insert statements end with it, so a task and its history row are written together.
CREATED_HISTORY_CTE = f"""
    history AS (
        INSERT INTO {TaskEvent._meta.db_table} (task_id, at, kind, from_status, to_status, to_priority, actor, reason)
        SELECT id, created_at, %(kind)s, '', status, priority, %(actor)s, %(reason)s FROM inserted
    )
"""  # noqa: S608 - the table name from model metadata; values are parameters


def db_values(instance: Model, fields: Sequence[Field]) -> list:
    """The instance's values of `fields`, prepared for the database as a save would."""
    return [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]


def columns(fields: Sequence[Field], *, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    # A concrete field's column is its name in the table; None (in the type) is for fields without one.
    return ", ".join(prefix + connection.ops.quote_name(cast(str, field.column)) for field in fields)


def task_columns(alias: str = "") -> str:
    """Every task column in model field order: the row shape `tasks_from_rows` reads."""
    return columns(TASK_FIELDS, alias=alias)


@cache
def _task_converters() -> list[tuple[int, list]]:
    # What the ORM would apply to each column (JSONField decodes `data`); most columns need nothing.
    converters = []
    for index, field in enumerate(TASK_FIELDS):
        column = field.get_col(Task._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, [(converter, column) for converter in found]))
    return converters


def tasks_from_rows(rows: Sequence[Sequence]) -> list[Task]:
    """Task instances from rows of `task_columns()`, as the ORM would build them, without its query machinery.

    Columns after the task's own (a statement may return more) are left to the caller.
    """
    names = [field.attname for field in TASK_FIELDS]
    width = len(names)
    converters = _task_converters()
    tasks = []
    for row in rows:
        values = list(row[:width])
        for index, chain in converters:
            for converter, column in chain:
                values[index] = converter(values[index], column, connection)
        tasks.append(Task.from_db(connection.alias, names, values))
    return tasks
