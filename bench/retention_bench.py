"""Retention at scale (issue 16 point 5): housekeeping on the data set of bench/scale_bench.py.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_scale .venv/bin/python bench/retention_bench.py \\
      [--days 1] [--rounds 2] [--after-days 0]

Runs on a database `scale_bench.py build` made (finished tasks spread evenly over 90 days, retention 90 days:
nothing is old enough on the day it is built). Each round moves the housekeeping clock `--days` further, so it
deletes one more slice of `--days` days of finished tasks and history, the steady state of a deployment that
runs housekeeping daily. Every SQL statement housekeeping sends is timed (the target: none over 1 s, no table
lock); so is the baseline of each round, one bare `DELETE … WHERE at < cutoff LIMIT n` of history rows through
the same index, the cheapest way there is to delete those rows. Table and index sizes are printed before and after.
Destructive: the rows are gone afterwards (build again for a fresh set).
"""

import argparse
import datetime
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

from bench.db import database_from_env  # noqa: E402
from bench.progress import Progress  # noqa: E402
from bench.scale_bench import setup_django, sizes_markdown, table_sizes  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / f"retention_bench{os.environ.get('RESULTS_SUFFIX', '')}.json"
BASELINE_ROWS = 5_000


class StatementTimer:
    """A Django execute wrapper: the wall time of every statement, with its first words."""

    def __init__(self) -> None:
        self.timings: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append((time.perf_counter() - started, " ".join(sql.split()[:6])))


def baseline_delete(cutoff: datetime.datetime) -> float:
    """One bare batch delete of history rows older than `cutoff`: the floor a batch of that size can cost."""
    from django.db import connection, transaction

    from rocky_scheduler.models import TaskEvent

    table = TaskEvent._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE at < %s ORDER BY at LIMIT %s)",  # noqa: S608
            [cutoff, BASELINE_ROWS],
        )
    return time.perf_counter() - started


def run_round(days_ahead: float, progress: Progress) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from rocky_scheduler.conf import app_settings
    from rocky_scheduler.services.housekeeping import housekeeping_run

    now = timezone.now() + datetime.timedelta(days=days_ahead)
    history_cutoff = now - datetime.timedelta(days=app_settings.HISTORY_RETENTION_DAYS)
    baseline_seconds = baseline_delete(history_cutoff)
    timer = StatementTimer()
    progress.step(f"housekeeping {days_ahead:g} days ahead", count=lambda: len(timer.timings))
    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        result = housekeeping_run(clock=lambda: now)
    seconds = time.perf_counter() - started
    durations = sorted(duration for duration, _ in timer.timings)
    slowest = sorted(timer.timings, reverse=True)[:5]
    deleted = {key: value for key, value in vars(result).items()}
    rows = sum(deleted.values())
    return {
        "days_ahead": days_ahead,
        "deleted": deleted,
        "seconds": seconds,
        "rows_per_second": rows / seconds if seconds else None,
        "statements": len(durations),
        "statement_p50_ms": statistics.median(durations) * 1000 if durations else None,
        "statement_p95_ms": durations[int(len(durations) * 0.95)] * 1000 if durations else None,
        "statement_max_ms": durations[-1] * 1000 if durations else None,
        "slowest": [{"ms": duration * 1000, "sql": sql} for duration, sql in slowest],
        "baseline_delete_ms": baseline_seconds * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=float, default=1.0, help="days the clock moves per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--after-days", type=float, default=0.0, help="start with the clock this many days ahead")
    args = parser.parse_args()
    database = database_from_env()
    setup_django(os.environ["DATABASE_URL"])
    results: dict[str, Any] = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "sizes_before": table_sizes(database),
        "rounds": [],
    }
    print(sizes_markdown(results["sizes_before"]), flush=True)
    with Progress("retention bench") as progress:
        for number in range(1, args.rounds + 1):
            round_result = run_round(args.after_days + args.days * number, progress)
            results["rounds"].append(round_result)
            print(json.dumps(round_result, indent=1), flush=True)
        progress.step("sizes after")
        results["sizes_after"] = table_sizes(database)
    results["loadavg_at_end"] = os.getloadavg()
    print(sizes_markdown(results["sizes_after"]), flush=True)
    RESULTS_PATH.parent.mkdir(exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=1))
    print(f"wrote {RESULTS_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
