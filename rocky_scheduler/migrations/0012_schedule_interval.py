from django.db import migrations, models


class Migration(migrations.Migration):
    """The schedule carries its plugin's interval, so finishing a task sets the next deadline in its own statement.

    No backfill: the catalogue may be an external service (KATalogus) that cannot be asked reliably while
    migrating. Existing schedules keep NULL, which means the grace period, until the next push of their work or
    the next plugin sync copies the interval in (docs/architecture.md, "One deadline rule").
    """

    dependencies = [
        ("rocky_scheduler", "0011_plugin_sync_job_cursor"),
    ]

    operations = [
        migrations.AddField(
            model_name="schedule",
            name="interval",
            field=models.DurationField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scheduleevent",
            name="deadline_from",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="scheduleevent",
            name="deadline_to",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
