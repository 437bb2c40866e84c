"""/tasks?status=X newest first in one backward index step (issue 16 point 2, docs/benchmarks/scale.md).

The API and the admin order tasks by (-created_at, -id). The index of 0016 on (status, created_at) lacked the
id, so PostgreSQL walked `task_created_at` backwards instead, filtering out the million queued tasks ahead of
the first failed one (107 ms at scale 1.0). With the id as the last column the index gives the exact order and
the page is an index-only scan (0.05 ms). Built and dropped CONCURRENTLY, as 0016's indexes are.
"""

import importlib

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations, models

# 0016's operation and its test of "PostgreSQL outside a transaction" (a module name cannot be imported plainly).
_0016 = importlib.import_module("rocky_scheduler.migrations.0016_scale_read_indexes")
AddIndexConcurrentlyOnPostgresql = _0016.AddIndexConcurrentlyOnPostgresql
concurrently = _0016._concurrently


class RemoveIndexConcurrentlyOnPostgresql(RemoveIndexConcurrently):
    """RemoveIndexConcurrently on PostgreSQL outside a transaction, a plain RemoveIndex anywhere else."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if concurrently(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if concurrently(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rocky_scheduler", "0016_scale_read_indexes"),
    ]

    operations = [
        # The new one first: the status filter is never without an index while this runs.
        AddIndexConcurrentlyOnPostgresql(
            model_name="task",
            index=models.Index(fields=["status", "created_at", "id"], name="task_status_newest"),
        ),
        RemoveIndexConcurrentlyOnPostgresql(model_name="task", name="task_status_created"),
    ]
