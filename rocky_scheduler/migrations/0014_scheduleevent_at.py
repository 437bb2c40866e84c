from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rocky_scheduler", "0012_schedule_interval"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="scheduleevent",
            index=models.Index(fields=["at"], name="scheduleevent_at"),
        ),
    ]
