"""Pop latency with dead tuples: 100,000 finished tasks churned while a long transaction is open elsewhere.

Run: .venv/bin/python bench/dead_tuples.py [--vacuum-wait 300]

Every pop moves a row out of the queue's partial index (status = 'queued'); the old index entry stays
until VACUUM removes it, and VACUUM cannot while any transaction older than the change is open. This
measures, in one run and for two table configurations (PostgreSQL's autovacuum defaults, and the
settings recommended in docs/benchmarks/dead-tuples.md), the latency of:
- our pop (task_pop through the heap cache) and the raw single-statement SKIP LOCKED claim,
- before the churn, after churning 100,000 tasks through queued -> dispatched -> completed while a
  REPEATABLE READ transaction stays open in another connection, and after that transaction ends and
  autovacuum has processed the table (waited for, up to --vacuum-wait seconds, and timed).

The machine's shared PostgreSQL runs with autovacuum = off (/etc/postgresql/*/main/conf.d/90-ci.conf,
for test suites), so this benchmark starts a PostgreSQL cluster of its own with the server's
defaults (autovacuum on), as a production server has, and removes it afterwards.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.db import connect, database_from_env, recreate_database  # noqa: E402
from bench.progress import Progress  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "dead_tuples.json"
QUEUED = 10_000
CHURN = 100_000
SAMPLES = 300
RECOMMENDED = (
    "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, "
    "autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0.02"
)
RAW_CLAIM = """
    UPDATE rocky_scheduler_task SET status = 'dispatched', modified_at = now()
     WHERE id = (SELECT id FROM rocky_scheduler_task WHERE scheduler_id = 'boefje' AND status = 'queued'
                  ORDER BY priority, created_at FOR UPDATE SKIP LOCKED LIMIT 1)
 RETURNING id
"""
INSERT_ROWS = """
    INSERT INTO rocky_scheduler_task (id, scheduler_id, organisation, priority, status, type, hash, data,
                                      created_at, modified_at, attempts, lease_owner)
    SELECT gen_random_uuid(), 'boefje', 'acme', 2 + (g %% 50), 'queued', 'boefje', md5(%s || g::text),
           jsonb_build_object('boefje', jsonb_build_object('id', 'dns-records'),
                              'input_ooi', 'Hostname|internet|' || %s || g || '.example', 'organization', 'acme'),
           now() - interval '1 day' + g * interval '1 millisecond', now(), 0, ''
      FROM generate_series(1, %s) AS g
"""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()


def _latencies(pop) -> dict[str, float]:
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        pop()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3), "p99_ms": round(samples[int(0.99 * len(samples))], 3)}


def _measure(database, label: str) -> dict[str, Any]:
    from rocky_scheduler.caches import clear_process_caches
    from rocky_scheduler.services import task_pop

    clear_process_caches()
    raw = connect(database)

    def raw_pop() -> None:
        with raw.cursor() as cursor:
            cursor.execute(RAW_CLAIM)

    result = {"phase": label, "ours": _latencies(lambda: task_pop(scheduler_id="boefje")), "raw": _latencies(raw_pop)}
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT n_dead_tup, n_live_tup, autovacuum_count FROM pg_stat_user_tables"
            " WHERE relname = 'rocky_scheduler_task'"
        )
        result["dead_tuples"], result["live_tuples"], result["autovacuum_count"] = cursor.fetchone()
        cursor.execute("SELECT pg_relation_size('task_queue_order')")
        result["queue_index_bytes"] = cursor.fetchone()[0]
    raw.close()
    return result


def _churn(database, count: int, progress: Progress) -> None:
    """Push, dispatch and complete `count` tasks in batches, as a busy day would."""
    connection = connect(database)
    progress.step(f"churning {count:,} tasks", total=count)
    with connection.cursor() as cursor:
        for start in range(0, count, 10_000):
            tag = f"churn{start}-"
            cursor.execute(INSERT_ROWS, [tag, tag, 10_000])
            cursor.execute(
                "UPDATE rocky_scheduler_task SET status = 'dispatched' WHERE status = 'queued' AND hash IN "
                "(SELECT md5(%s || g::text) FROM generate_series(1, 10000) AS g)",
                [tag],
            )
            cursor.execute("UPDATE rocky_scheduler_task SET status = 'completed' WHERE status = 'dispatched'")
            progress.done = min(start + 10_000, count)
    connection.close()


def _scenario(database, progress: Progress, *, tuned: bool, vacuum_wait: float) -> list[dict[str, Any]]:
    from django.db import connections

    settings = "recommended settings" if tuned else "PostgreSQL defaults"
    progress.step(f"{settings}: creating the database and {QUEUED:,} queued tasks")
    connections.close_all()
    recreate_database(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    setup = connect(database)
    with setup.cursor() as cursor:
        if tuned:
            cursor.execute(f"ALTER TABLE rocky_scheduler_task SET ({RECOMMENDED})")
        cursor.execute(INSERT_ROWS, ["base-", "base-", QUEUED + 2 * SAMPLES * 4])
        cursor.execute("ANALYZE rocky_scheduler_task")
    setup.close()
    progress.step(f"{settings}: measuring before the churn")
    phases = [_measure(database, "before churn")]

    # The long transaction: a REPEATABLE READ snapshot holds back the horizon VACUUM may clean to.
    holder = connect(database)
    holder.autocommit = False
    holder.set_session(isolation_level="REPEATABLE READ")
    with holder.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM rocky_scheduler_task")
    _churn(database, CHURN, progress)
    progress.step(f"{settings}: a minute for autovacuum (naptime), long transaction open")
    time.sleep(65)  # autovacuum's naptime is a minute: give it its chance, which the snapshot denies
    progress.step(f"{settings}: measuring after the churn")
    phases.append(_measure(database, "after churn, long transaction open"))
    holder.rollback()
    holder.close()
    progress.step(f"{settings}: transaction ended, waiting up to {vacuum_wait:.0f} s for autovacuum")
    waited, vacuumed = _wait_for_autovacuum(database, after=phases[-1]["autovacuum_count"], seconds=vacuum_wait)
    progress.step(f"{settings}: measuring after autovacuum")
    phase = _measure(
        database, "after the transaction ended and autovacuum ran" if vacuumed else "autovacuum waited for"
    )
    phase["seconds_until_autovacuum_done"] = round(waited, 1) if vacuumed else None
    phases.append(phase)
    return phases


def _wait_for_autovacuum(database, *, after: int, seconds: float) -> tuple[float, bool]:
    """Seconds until autovacuum has finished one more pass over the task table (or the bound ran out)."""
    started = time.monotonic()
    connection = connect(database)
    try:
        while (waited := time.monotonic() - started) < seconds:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = 'rocky_scheduler_task'"
                )
                if cursor.fetchone()[0] > after:
                    return waited, True
            time.sleep(1)
        return waited, False
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vacuum-wait", type=float, default=300.0, help="longest wait for autovacuum, seconds")
    args = parser.parse_args()
    with Progress("dead tuples") as progress:
        progress.step("starting a private PostgreSQL cluster")
        report = _run(args, progress)
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


def _run(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from tests.support.private_services import PostgresInstance

    server = PostgresInstance()
    try:
        os.environ["DATABASE_URL"] = server.url("rocky_scheduler_dead")
        database = database_from_env()
        _setup_django()
        report = {
            "command": " ".join([sys.executable, *sys.argv]),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nproc": os.cpu_count(),
            "loadavg_start": os.getloadavg(),
            "server": "private cluster, PostgreSQL defaults (autovacuum on)",
            "recommended": RECOMMENDED,
            "default": _scenario(database, progress, tuned=False, vacuum_wait=args.vacuum_wait),
            "tuned": _scenario(database, progress, tuned=True, vacuum_wait=args.vacuum_wait),
            "loadavg_end": os.getloadavg(),
        }
    finally:
        from django.db import connections

        connections.close_all()
        progress.step("stopping the private PostgreSQL cluster")
        server.close()
    return report


if __name__ == "__main__":
    sys.exit(main())
