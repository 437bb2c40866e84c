"""The fold: move the deltas the PostgreSQL triggers append (TaskCountDelta) into the counts (TaskCount).

Run every minute by the `rocky_scheduler.task_counts` background job. Each batch is one transaction: DELETE ...
RETURNING hands every delta to exactly one fold (a second fold running at once waits on those rows and then
finds them gone), and a transaction-level advisory lock makes that second fold give up at once instead of
waiting. Readers add the deltas not folded yet, so how often this runs changes how many rows a read sums, never
what it answers (rocky_scheduler.count_reads). Does nothing on SQLite, which has no triggers and counts directly.
"""

from dataclasses import dataclass

from django.db import connection, transaction

# Any constant unique to this lock among the app's advisory locks (the bytes of "rsfold").
FOLD_LOCK = 0x7273666F6C64
# Deltas per transaction: bounds how long a fold holds the rows it moves.
FOLD_BATCH = 50_000

_FOLD = """
WITH moved AS (
    DELETE FROM rocky_scheduler_taskcountdelta
    WHERE id IN (SELECT id FROM rocky_scheduler_taskcountdelta ORDER BY id LIMIT %s)
    RETURNING kind, scheduler_id, organisation, status, bucket, delta
), summed AS (
    SELECT kind, scheduler_id, organisation, status, bucket, sum(delta) AS delta
    FROM moved GROUP BY kind, scheduler_id, organisation, status, bucket
), written AS (
    INSERT INTO rocky_scheduler_taskcount AS counted (kind, scheduler_id, organisation, status, bucket, count)
    SELECT kind, scheduler_id, organisation, status, bucket, delta FROM summed WHERE delta <> 0
    ON CONFLICT (kind, scheduler_id, organisation, status, bucket) DO UPDATE SET count = counted.count + excluded.count
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM written)
"""

# Buckets older than 26 hours go: readers look back 24 hours at most, and the triggers skip older rows too.
_PRUNE = """
DELETE FROM rocky_scheduler_taskcount
WHERE count = 0 OR (kind <> 'state' AND bucket < now() - interval '26 hours')
"""


@dataclass
class FoldResult:
    # False: another fold held the lock; this one left the deltas to it.
    folded: bool = True
    deltas: int = 0
    counts_written: int = 0
    counts_pruned: int = 0


def _fold_batch(result: FoldResult, batch: int) -> bool:
    """One batch in its own transaction; whether there may be more deltas."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
        if not cursor.fetchone()[0]:
            result.folded = False
            return False
        cursor.execute(_FOLD, [batch])
        moved, written = cursor.fetchone()
        result.deltas += moved
        result.counts_written += written
        return moved == batch


def fold(*, batch: int = FOLD_BATCH) -> FoldResult:
    """Fold every delta written so far into the counts; drop zero counts and buckets older than 26 hours."""
    result = FoldResult()
    if connection.vendor != "postgresql":
        return result
    while _fold_batch(result, batch):
        pass
    if result.folded:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
            if cursor.fetchone()[0]:
                cursor.execute(_PRUNE)
                result.counts_pruned = cursor.rowcount
    return result
