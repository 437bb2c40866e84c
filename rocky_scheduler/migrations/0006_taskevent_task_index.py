# The history's own index on task_id duplicated the leading column of "taskevent_task_at" (task, at).
# Only the index is dropped: Django's AlterField would also drop and re-add (re-validate) the foreign
# key, which scans the whole history table under lock.

import django.db.models.deletion
from django.db import migrations, models

INDEX = "rocky_scheduler_taskevent_task_id_3aa3170c"


class Migration(migrations.Migration):
    dependencies = [
        ("rocky_scheduler", "0005_scheduling_events_processed_messages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="taskevent",
                    name="task",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="rocky_scheduler.task",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON rocky_scheduler_taskevent (task_id)",
                ),
            ],
        ),
    ]
