# Translatable verbose names, help texts and choice labels: no change to the database, only to the state.
# Depends on 0014, the leaf when it was made (0011 has two children already: another 0012 is due).

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rocky_scheduler", "0014_scheduleevent_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apitoken",
            options={"verbose_name": "API token", "verbose_name_plural": "API tokens"},
        ),
        migrations.AlterModelOptions(
            name="jobcursor",
            options={"verbose_name": "job cursor", "verbose_name_plural": "job cursors"},
        ),
        migrations.AlterModelOptions(
            name="ooi",
            options={"ordering": ["organisation", "primary_key"], "verbose_name": "OOI", "verbose_name_plural": "OOIs"},
        ),
        migrations.AlterModelOptions(
            name="organisation",
            options={"ordering": ["code"], "verbose_name": "organisation", "verbose_name_plural": "organisations"},
        ),
        migrations.AlterModelOptions(
            name="plugin",
            options={"ordering": ["type", "id"], "verbose_name": "plugin", "verbose_name_plural": "plugins"},
        ),
        migrations.AlterModelOptions(
            name="pluginenablement",
            options={"verbose_name": "plugin enablement", "verbose_name_plural": "plugin enablements"},
        ),
        migrations.AlterModelOptions(
            name="pluginsync",
            options={"verbose_name": "plugin sync state", "verbose_name_plural": "plugin sync states"},
        ),
        migrations.AlterModelOptions(
            name="processedmessage",
            options={"verbose_name": "processed message", "verbose_name_plural": "processed messages"},
        ),
        migrations.AlterModelOptions(
            name="schedule",
            options={"ordering": ["-created_at"], "verbose_name": "schedule", "verbose_name_plural": "schedules"},
        ),
        migrations.AlterModelOptions(
            name="scheduleevent",
            options={
                "ordering": ["at", "id"],
                "verbose_name": "schedule event",
                "verbose_name_plural": "schedule events",
            },
        ),
        migrations.AlterModelOptions(
            name="scheduler",
            options={"ordering": ["id"], "verbose_name": "scheduler", "verbose_name_plural": "schedulers"},
        ),
        migrations.AlterModelOptions(
            name="task",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("push_task", "Can push tasks onto a queue"),
                    ("pop_task", "Can pop tasks and report their status"),
                    ("reprioritise_task", "Can change the priority of queued tasks"),
                    ("cancel_task", "Can cancel tasks"),
                ],
                "verbose_name": "task",
                "verbose_name_plural": "tasks",
            },
        ),
        migrations.AlterModelOptions(
            name="taskevent",
            options={"ordering": ["at", "id"], "verbose_name": "task event", "verbose_name_plural": "task events"},
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="digest",
            field=models.CharField(max_length=64, unique=True, verbose_name="digest"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last used"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="name",
            field=models.CharField(default="default", max_length=100, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="scheduler_api_tokens",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="jobcursor",
            name="modified_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="jobcursor",
            name="name",
            field=models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="jobcursor",
            name="position",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="ooi",
            name="modified_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="ooi",
            name="object_type",
            field=models.CharField(max_length=255, verbose_name="object type"),
        ),
        migrations.AlterField(
            model_name="ooi",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="oois",
                to="rocky_scheduler.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AlterField(
            model_name="ooi",
            name="primary_key",
            field=models.CharField(max_length=1024, verbose_name="primary key"),
        ),
        migrations.AlterField(
            model_name="ooi",
            name="scan_level",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="scan level"),
        ),
        migrations.AlterField(
            model_name="ooi",
            name="scan_profile_type",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="scan profile type"),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="code",
            field=models.CharField(
                help_text="As Rocky's Organization.code.", max_length=255, unique=True, verbose_name="code"
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="name",
            field=models.CharField(max_length=255, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="consumes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="OOI types (boefje) or mime types (normalizer).",
                verbose_name="consumes",
            ),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="cron",
            field=models.CharField(blank=True, max_length=255, null=True, verbose_name="cron"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="description",
            field=models.TextField(blank=True, default="", verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="id",
            field=models.CharField(max_length=255, primary_key=True, serialize=False, verbose_name="ID"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="interval",
            field=models.PositiveIntegerField(
                blank=True, help_text="Minutes between runs on one OOI.", null=True, verbose_name="interval"
            ),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="name",
            field=models.CharField(max_length=255, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="oci_image",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="OCI image"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="produces",
            field=models.JSONField(blank=True, default=list, verbose_name="produces"),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="run_on",
            field=models.JSONField(
                blank=True, help_text='Report plugins: ["create", "update"].', null=True, verbose_name="run on"
            ),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="scan_level",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="Lowest OOI level this boefje may run on.", verbose_name="scan level"
            ),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="type",
            field=models.CharField(
                choices=[("boefje", "Boefje"), ("normalizer", "Normalizer")], max_length=16, verbose_name="type"
            ),
        ),
        migrations.AlterField(
            model_name="plugin",
            name="version",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="version"),
        ),
        migrations.AlterField(
            model_name="pluginenablement",
            name="enabled",
            field=models.BooleanField(default=True, verbose_name="enabled"),
        ),
        migrations.AlterField(
            model_name="pluginenablement",
            name="modified_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="pluginenablement",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enablements",
                to="rocky_scheduler.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AlterField(
            model_name="pluginenablement",
            name="plugin",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enablements",
                to="rocky_scheduler.plugin",
                verbose_name="plugin",
            ),
        ),
        migrations.AlterField(
            model_name="pluginsync",
            name="enabled",
            field=models.BooleanField(verbose_name="enabled"),
        ),
        migrations.AlterField(
            model_name="pluginsync",
            name="modified_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="pluginsync",
            name="organisation",
            field=models.CharField(max_length=255, verbose_name="organisation"),
        ),
        migrations.AlterField(
            model_name="pluginsync",
            name="plugin_id",
            field=models.CharField(max_length=255, verbose_name="plugin"),
        ),
        migrations.AlterField(
            model_name="processedmessage",
            name="digest",
            field=models.CharField(max_length=64, unique=True, verbose_name="digest"),
        ),
        migrations.AlterField(
            model_name="processedmessage",
            name="processed_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="processed at"),
        ),
        migrations.AlterField(
            model_name="processedmessage",
            name="queue",
            field=models.CharField(max_length=255, verbose_name="queue"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="data",
            field=models.JSONField(default=dict, verbose_name="data"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="deadline_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="deadline at"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="descheduled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="descheduled at"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="descheduled_by_raw_file",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Id of the raw file (in Bytes) that de-scheduled it.",
                max_length=255,
                verbose_name="descheduled by raw file",
            ),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="enabled",
            field=models.BooleanField(default=True, verbose_name="enabled"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="hash"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="modified_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="organisation",
            field=models.CharField(max_length=255, verbose_name="organisation"),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="schedule",
            field=models.CharField(
                blank=True, help_text="Cron expression (optional).", max_length=255, null=True, verbose_name="schedule"
            ),
        ),
        migrations.AlterField(
            model_name="schedule",
            name="scheduler",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="schedules",
                to="rocky_scheduler.scheduler",
                verbose_name="scheduler",
            ),
        ),
        migrations.AlterField(
            model_name="scheduleevent",
            name="actor",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="actor"),
        ),
        migrations.AlterField(
            model_name="scheduleevent",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="at"),
        ),
        migrations.AlterField(
            model_name="scheduleevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("queued", "Task queued"),
                    ("skipped", "Skipped"),
                    ("disabled", "Disabled"),
                    ("enabled", "Enabled"),
                    ("deadline", "Next deadline set"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="scheduleevent",
            name="reason",
            field=models.TextField(blank=True, default="", verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="scheduleevent",
            name="schedule",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="rocky_scheduler.schedule",
                verbose_name="schedule",
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="allow_priority_updates",
            field=models.BooleanField(
                default=False, help_text="A duplicate push updates the priority.", verbose_name="allow priority updates"
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="allow_replace",
            field=models.BooleanField(
                default=False,
                help_text="A duplicate push replaces the queued task's data.",
                verbose_name="allow replace",
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="allow_updates",
            field=models.BooleanField(
                default=False, help_text="A duplicate push updates data and priority.", verbose_name="allow updates"
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="deduplicate",
            field=models.BooleanField(
                default=False,
                help_text="A boefje push also queues the same work for every other organisation that holds the input object with the boefje enabled; the tasks share a deduplication key and are popped together.",
                verbose_name="deduplicate",
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="dispatch_timeout_seconds",
            field=models.PositiveIntegerField(
                default=300,
                help_text="A dispatched task with no status change within this goes back to the queue.",
                verbose_name="dispatch timeout seconds",
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="id",
            field=models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name="ID"),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="max_attempts",
            field=models.PositiveIntegerField(
                default=3, help_text="Expired leases after which a task fails.", verbose_name="max attempts"
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="maxsize",
            field=models.PositiveIntegerField(
                default=0, help_text="Most queued tasks; 0 is unbounded.", verbose_name="maxsize"
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="modified_at",
            field=models.DateTimeField(auto_now=True, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="paused",
            field=models.BooleanField(
                default=False, help_text="Paused: pushes are accepted, pops return nothing.", verbose_name="paused"
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="ranker",
            field=models.CharField(
                default="rocky_scheduler.rankers.fifo.FifoRanker", max_length=255, verbose_name="ranker"
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="requeue_on_run_timeout",
            field=models.BooleanField(default=False, verbose_name="requeue on run timeout"),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="run_timeout_seconds",
            field=models.PositiveIntegerField(
                default=3600,
                help_text="A running task with no heartbeat within this fails (or is requeued).",
                verbose_name="run timeout seconds",
            ),
        ),
        migrations.AlterField(
            model_name="scheduler",
            name="type",
            field=models.CharField(
                choices=[("boefje", "Boefje"), ("normalizer", "Normalizer"), ("report", "Report")],
                max_length=16,
                verbose_name="type",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="task",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="task",
            name="data",
            field=models.JSONField(default=dict, verbose_name="data"),
        ),
        migrations.AlterField(
            model_name="task",
            name="deduplication_key",
            field=models.UUIDField(blank=True, null=True, verbose_name="deduplication key"),
        ),
        migrations.AlterField(
            model_name="task",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="dispatched at"),
        ),
        migrations.AlterField(
            model_name="task",
            name="hash",
            field=models.CharField(max_length=64, verbose_name="hash"),
        ),
        migrations.AlterField(
            model_name="task",
            name="id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="lease expires at"),
        ),
        migrations.AlterField(
            model_name="task",
            name="lease_owner",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="lease owner"),
        ),
        migrations.AlterField(
            model_name="task",
            name="modified_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="modified at"),
        ),
        migrations.AlterField(
            model_name="task",
            name="organisation",
            field=models.CharField(max_length=255, verbose_name="organisation"),
        ),
        migrations.AlterField(
            model_name="task",
            name="priority",
            field=models.IntegerField(
                help_text="Lower runs sooner; 1 is reserved for user-initiated work.", verbose_name="priority"
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="schedule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tasks",
                to="rocky_scheduler.schedule",
                verbose_name="schedule",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="scheduler",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tasks",
                to="rocky_scheduler.scheduler",
                verbose_name="scheduler",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("queued", "Queued"),
                    ("dispatched", "Dispatched"),
                    ("running", "Running"),
                    ("completed", "Completed"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="queued",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="type",
            field=models.CharField(
                choices=[("boefje", "Boefje"), ("normalizer", "Normalizer"), ("report", "Report")],
                max_length=16,
                verbose_name="type",
            ),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="actor",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="actor"),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="at"),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="from_priority",
            field=models.IntegerField(blank=True, null=True, verbose_name="from priority"),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="from_status",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="from status"),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status", "Status changed"),
                    ("priority", "Priority changed"),
                    ("data", "Data updated"),
                    ("lease_expired", "Lease expired"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="reason",
            field=models.TextField(blank=True, default="", verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="task",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="rocky_scheduler.task",
                verbose_name="task",
            ),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="to_priority",
            field=models.IntegerField(blank=True, null=True, verbose_name="to priority"),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="to_status",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="to status"),
        ),
    ]
