"""Indexes for the read paths at scale (issue 16 point 2, docs/benchmarks/scale.md).

Built CONCURRENTLY on PostgreSQL: a deployment with millions of tasks keeps pushing and popping while they are
built (a plain CREATE INDEX would block every write to the table for the minutes a build takes there). That
needs a migration outside a transaction (`atomic = False`): a build that fails half-way leaves an INVALID index,
which `migrate` does not repair; drop it (DROP INDEX CONCURRENTLY <name>) and migrate again. SQLite builds them
as usual.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.fields.json import KeyTransform


def _concurrently(schema_editor) -> bool:
    # Inside a transaction (a test that migrates within its own) CONCURRENTLY is impossible: a plain build then.
    connection = schema_editor.connection
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class AddIndexConcurrentlyOnPostgresql(AddIndexConcurrently):
    """AddIndexConcurrently on PostgreSQL outside a transaction (as `migrate` runs this migration), a plain
    AddIndex anywhere else."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrently(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrently(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rocky_scheduler", "0015_verbose_names_of_interval_and_deadlines"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgresql(
            model_name="schedule",
            index=models.Index(fields=["created_at"], name="schedule_created_at"),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="schedule",
            index=models.Index(fields=["organisation", "created_at"], name="schedule_organisation"),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="schedule",
            index=models.Index(condition=models.Q(("enabled", False)), fields=["created_at"], name="schedule_disabled"),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="task",
            index=models.Index(KeyTransform("input_ooi", "data"), name="task_input_ooi"),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="task",
            index=models.Index(
                KeyTransform("input_ooi", KeyTransform("boefje_meta", KeyTransform("raw_data", "data"))),
                condition=models.Q(("type", "normalizer")),
                name="task_normalizer_input_ooi",
            ),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="task",
            index=models.Index(fields=["status", "created_at"], name="task_status_created"),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="task",
            index=models.Index(fields=["modified_at", "status"], name="task_modified_at"),
        ),
        AddIndexConcurrentlyOnPostgresql(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status", "queued")), fields=["scheduler", "created_at"], name="task_queued_oldest"
            ),
        ),
    ]
