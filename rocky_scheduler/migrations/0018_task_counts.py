"""Maintained task counts (issue 16 point 2): TaskCount, the append-only TaskCountDelta, and on PostgreSQL the
statement-level triggers that feed the deltas, with the counts of the tasks and history already there.

Each trigger inserts one delta row per key its statement touched (GROUP BY over the transition table), never one
per row and never an UPDATE of a shared counter, so pushes and pops do not queue behind each other on it. Rows last
changed more than KEEP ago are skipped: readers only ask for the last 24 hours, and the fold prunes older buckets.
The triggers are created before the fill in one transaction: CREATE TRIGGER waits for the writes under way and
holds off new ones until the commit, so the fill and the triggers count every task exactly once.
SQLite gets the tables but no triggers: it counts the task table directly (rocky_scheduler.count_reads).
"""

import datetime
from django.db import migrations, models

# Bucket counts older than this are neither kept nor written (readers look back 24 hours at most).
KEEP = "interval '26 hours'"
DELTA = "rocky_scheduler_taskcountdelta"
COLUMNS = "kind, scheduler_id, organisation, status, bucket"

# The task rows a statement added (+1) or removed (-1), as (scheduler_id, organisation, status, modified_at, sign).
_TASK_ROWS = {
    "insert": "SELECT scheduler_id, organisation, status, modified_at, 1 AS sign FROM new_rows",
    "delete": "SELECT scheduler_id, organisation, status, modified_at, -1 AS sign FROM old_rows",
    "update": (
        "SELECT scheduler_id, organisation, status, modified_at, 1 AS sign FROM new_rows"
        " UNION ALL SELECT scheduler_id, organisation, status, modified_at, -1 FROM old_rows"
    ),
}
_TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _task_trigger(operation: str) -> str:
    # A heartbeat (running -> running in the same hour) adds and removes the same keys: HAVING drops them.
    return f"""
CREATE FUNCTION rocky_scheduler_task_counts_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS ({_TASK_ROWS[operation]})
    INSERT INTO {DELTA} ({COLUMNS}, delta)
    SELECT 'state', scheduler_id, organisation, status, 'epoch'::timestamptz, sum(sign)
    FROM changed GROUP BY scheduler_id, organisation, status HAVING sum(sign) <> 0
    UNION ALL
    SELECT 'hour', scheduler_id, organisation, status, date_trunc('hour', modified_at, 'UTC'), sum(sign)
    FROM changed WHERE modified_at >= now() - {KEEP}
    GROUP BY scheduler_id, organisation, status, date_trunc('hour', modified_at, 'UTC') HAVING sum(sign) <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER rocky_scheduler_task_counts_{operation} AFTER {operation.upper()} ON rocky_scheduler_task
    REFERENCING {_TRANSITION_TABLES[operation]} FOR EACH STATEMENT
    EXECUTE FUNCTION rocky_scheduler_task_counts_{operation}();
"""


def _history_rows(events: str, sign: str) -> str:
    # What the dashboard's throughput counts: a push is a `created` event, a pop a move to `dispatched`.
    return f"""
    SELECT 'created' AS kind, t.scheduler_id, t.organisation, date_trunc('minute', e.at, 'UTC') AS minute, {sign} AS sign
    FROM {events} e JOIN rocky_scheduler_task t ON t.id = e.task_id
    WHERE e.kind = 'created' AND e.at >= now() - {KEEP}
    UNION ALL
    SELECT 'dispatched', t.scheduler_id, t.organisation, date_trunc('minute', e.at, 'UTC'), {sign}
    FROM {events} e JOIN rocky_scheduler_task t ON t.id = e.task_id
    WHERE e.to_status = 'dispatched' AND e.kind IN ('created', 'status') AND e.at >= now() - {KEEP}"""


def _history_trigger(operation: str, events: str, sign: str, transition: str) -> str:
    # Deleting history (a task deleted with its events) takes its recent pushes and pops off the chart too.
    return f"""
CREATE FUNCTION rocky_scheduler_taskevent_counts_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {DELTA} ({COLUMNS}, delta)
    SELECT kind, scheduler_id, organisation, '', minute, sum(sign)
    FROM ({_history_rows(events, sign)}) history
    GROUP BY kind, scheduler_id, organisation, minute;
    RETURN NULL;
END $$;
CREATE TRIGGER rocky_scheduler_taskevent_counts_{operation} AFTER {operation.upper()} ON rocky_scheduler_taskevent
    REFERENCING {transition} FOR EACH STATEMENT
    EXECUTE FUNCTION rocky_scheduler_taskevent_counts_{operation}();
"""


FILL = f"""
INSERT INTO rocky_scheduler_taskcount ({COLUMNS}, count)
SELECT 'state', scheduler_id, organisation, status, 'epoch'::timestamptz, count(*)
FROM rocky_scheduler_task GROUP BY scheduler_id, organisation, status
UNION ALL
SELECT 'hour', scheduler_id, organisation, status, date_trunc('hour', modified_at, 'UTC'), count(*)
FROM rocky_scheduler_task WHERE modified_at >= now() - {KEEP}
GROUP BY scheduler_id, organisation, status, date_trunc('hour', modified_at, 'UTC')
UNION ALL
SELECT kind, scheduler_id, organisation, '', minute, sum(sign)
FROM ({_history_rows("rocky_scheduler_taskevent", "1")}) history
GROUP BY kind, scheduler_id, organisation, minute;
"""

TRIGGERS = [
    *(_task_trigger(operation) for operation in ("insert", "update", "delete")),
    _history_trigger("insert", "new_rows", "1", "NEW TABLE AS new_rows"),
    _history_trigger("delete", "old_rows", "-1", "OLD TABLE AS old_rows"),
]

DROP = """
DROP TRIGGER IF EXISTS rocky_scheduler_task_counts_insert ON rocky_scheduler_task;
DROP TRIGGER IF EXISTS rocky_scheduler_task_counts_update ON rocky_scheduler_task;
DROP TRIGGER IF EXISTS rocky_scheduler_task_counts_delete ON rocky_scheduler_task;
DROP TRIGGER IF EXISTS rocky_scheduler_taskevent_counts_insert ON rocky_scheduler_taskevent;
DROP TRIGGER IF EXISTS rocky_scheduler_taskevent_counts_delete ON rocky_scheduler_taskevent;
DROP FUNCTION IF EXISTS rocky_scheduler_task_counts_insert();
DROP FUNCTION IF EXISTS rocky_scheduler_task_counts_update();
DROP FUNCTION IF EXISTS rocky_scheduler_task_counts_delete();
DROP FUNCTION IF EXISTS rocky_scheduler_taskevent_counts_insert();
DROP FUNCTION IF EXISTS rocky_scheduler_taskevent_counts_delete();
"""


def counts_start(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in TRIGGERS:
            cursor.execute(sql)
        cursor.execute(FILL)


def counts_stop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('rocky_scheduler', '0017_task_status_newest'),
    ]

    operations = [
        migrations.CreateModel(
            name='TaskCountDelta',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('state', 'State'), ('hour', 'Hour'), ('created', 'Created'), ('dispatched', 'Dispatched')], max_length=16)),
                ('scheduler_id', models.CharField(max_length=64)),
                ('organisation', models.CharField(max_length=255)),
                ('status', models.CharField(blank=True, default='', max_length=16)),
                ('bucket', models.DateTimeField(default=datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))),
                ('delta', models.BigIntegerField()),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='TaskCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('state', 'State'), ('hour', 'Hour'), ('created', 'Created'), ('dispatched', 'Dispatched')], max_length=16)),
                ('scheduler_id', models.CharField(max_length=64)),
                ('organisation', models.CharField(max_length=255)),
                ('status', models.CharField(blank=True, default='', max_length=16)),
                ('bucket', models.DateTimeField(default=datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))),
                ('count', models.BigIntegerField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('kind', 'scheduler_id', 'organisation', 'status', 'bucket'), name='taskcount_key')],
            },
        ),
        migrations.RunPython(counts_start, counts_stop),
    ]
