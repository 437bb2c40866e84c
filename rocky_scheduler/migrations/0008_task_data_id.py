# Boefje and normalizer tasks pushed with `data.id` missing or null (Rocky's run_boefje sends null) kept it so, and
# the boefje runner, which parses `data` as BoefjeMeta (a required UUID id), could not take them. Every such row
# gets its task's id there; queued tasks that carry a deduplication key get it in the new column too.

import uuid

from django.db import migrations

TYPES = ("boefje", "normalizer")


def _valid_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def forwards(apps, schema_editor):
    Task = apps.get_model("rocky_scheduler", "Task")
    table = Task._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        # One statement each instead of a row at a time: the table may hold months of finished tasks.
        schema_editor.execute(
            f"""UPDATE {table} SET data = jsonb_set(data, '{{id}}', to_jsonb(id::text))
                 WHERE type IN ('boefje', 'normalizer') AND jsonb_typeof(data) = 'object'
                   AND (data -> 'id' IS NULL OR data -> 'id' = 'null'::jsonb)"""
        )
        schema_editor.execute(
            f"""UPDATE {table} SET deduplication_key = (data ->> 'deduplication_key')::uuid
                 WHERE status = 'queued' AND data ->> 'deduplication_key'
                       ~* '^[0-9a-f]{{8}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{12}}$'"""
        )
        return
    for task in Task.objects.filter(type__in=TYPES).iterator(chunk_size=2000):
        if not isinstance(task.data, dict):
            continue
        changed = []
        if task.data.get("id") is None:
            task.data["id"] = str(task.id)
            changed.append("data")
        key = _valid_uuid(task.data.get("deduplication_key")) if task.status == "queued" else None
        if key is not None:
            task.deduplication_key = key
            changed.append("deduplication_key")
        if changed:
            task.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [
        ("rocky_scheduler", "0007_dedup_groups_deschedule"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
