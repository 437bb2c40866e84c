from django.db import migrations

DEFAULT_SCHEDULERS = (
    {"id": "boefje", "type": "boefje"},
    {"id": "normalizer", "type": "normalizer"},
    {"id": "report", "type": "report"},
)


def create_schedulers(apps, schema_editor):
    Scheduler = apps.get_model("rocky_scheduler", "Scheduler")
    for values in DEFAULT_SCHEDULERS:
        Scheduler.objects.get_or_create(id=values["id"], defaults={"type": values["type"]})


class Migration(migrations.Migration):
    dependencies = [("rocky_scheduler", "0001_initial")]

    operations = [migrations.RunPython(create_schedulers, migrations.RunPython.noop)]
