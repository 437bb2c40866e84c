"""Scale benchmark of rocky_scheduler (issue 16, points 1 and 2): a country's data set, and the read paths on it.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_scale .venv/bin/python bench/scale_bench.py \\
      [build|read|sizes|all] [--scale 0.1]

`build` drops and creates the database named in DATABASE_URL, migrates it through Django, fills it by SQL
(bench/scale_data.py), runs VACUUM ANALYZE and prints the table and index sizes. `read` measures the API, the
dashboard data and the admin task changelist on that database through gunicorn (bench/scale_read.py). `all`
(the default) does both; `sizes` measures the sizes again without building. Progress is printed at least every
10 s; the figures go to bench/results/scale_bench.json and a markdown table to bench/results/scale_bench.md.
"""

import argparse
import datetime
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.db import connect, database_from_env, recreate_database, server_version  # noqa: E402
from bench.scale_data import BIG_TABLES, Counts, Progress, build  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
RESULTS_PATH = RESULTS_DIR / "scale_bench.json"
MARKDOWN_PATH = RESULTS_DIR / "scale_bench.md"
PROGRESS_EVERY = 5.0

# The app's tables and all their indexes (several are named without the table's prefix, e.g. task_created_at).
_SIZES = """
    SELECT c.relname, c.relkind, pg_relation_size(c.oid), pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
      FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
      LEFT JOIN pg_index AS i ON i.indexrelid = c.oid LEFT JOIN pg_class AS t ON t.oid = i.indrelid
     WHERE n.nspname = 'public' AND COALESCE(t.relname, c.relname) LIKE 'rocky_scheduler_%%'
       AND c.relkind IN ('r', 'i')
     ORDER BY pg_total_relation_size(c.oid) DESC
"""


def setup_django(database_url: str) -> None:
    # DEBUG off as in production: with it on Django keeps every query in memory.
    os.environ["DEBUG"] = "0"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "scheduler_project.settings"
    import django

    django.setup()


class Reporter:
    """Prints the builder's phase, rows done and elapsed time every few seconds, also inside one long statement."""

    def __init__(self, progress: Progress) -> None:
        self.progress, self.started = progress, time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def line(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:8.1f} s] {text}", flush=True)

    def _run(self) -> None:
        while not self._stop.wait(PROGRESS_EVERY):
            progress = self.progress
            rows = f"{progress.done:,}/{progress.total:,} rows" if progress.total else "running"
            self.line(f"{progress.phase}: {rows}")

    def __enter__(self) -> "Reporter":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def table_sizes(database) -> dict[str, Any]:
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(_SIZES)
            relations = cursor.fetchall()
            rows = {}
            for table in BIG_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
                rows[table] = cursor.fetchone()[0]
    finally:
        connection.close()
    tables = {
        name: {"rows": rows.get(name), "heap_bytes": heap, "index_bytes": index, "total_bytes": total}
        for name, kind, heap, index, total in relations
        if kind == "r"
    }
    indexes = {name: heap for name, kind, heap, _, _ in relations if kind == "i"}
    return {"tables": tables, "indexes": indexes}


def run_build(database, scale: float) -> dict[str, Any]:
    counts = Counts.at(scale)
    progress = Progress()
    phases: dict[str, float] = {}
    started = time.monotonic()
    with Reporter(progress) as reporter:
        reporter.line(f"build at scale {scale}: {counts.as_dict()}")
        progress.phase = "create database"
        recreate_database(database)
        progress.phase = "migrate"
        t0 = time.monotonic()
        from django.core.management import call_command
        from django.db import connection as django_connection

        call_command("migrate", verbosity=0, interactive=False)
        django_connection.close()
        phases["migrate"] = time.monotonic() - t0

        def on_phase(name: str, seconds: float) -> None:
            phases[name] = seconds
            reporter.line(f"{name}: done in {seconds:.1f} s")

        connection = connect(database)
        try:
            with connection.cursor() as cursor:
                # A bulk load's own settings, for this session only: the server's are shared with other work.
                cursor.execute("SET maintenance_work_mem = '512MB'")
                cursor.execute("SET synchronous_commit = off")
                build(cursor, counts, progress=progress, on_phase=on_phase)
                progress.phase, progress.total = "vacuum analyze", 0
                t0 = time.monotonic()
                cursor.execute("VACUUM ANALYZE")
                on_phase("vacuum analyze", time.monotonic() - t0)
                cursor.execute("CHECKPOINT")
        finally:
            connection.close()
        total = time.monotonic() - started
        reporter.line(f"built in {total:.1f} s")
    return {"scale": scale, "counts": counts.as_dict(), "phase_seconds": phases, "total_seconds": total}


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f}"


def sizes_markdown(sizes: dict[str, Any]) -> str:
    lines = ["| table | rows | heap MB | indexes MB | total MB |", "|---|---:|---:|---:|---:|"]
    for name, table in sizes["tables"].items():
        rows = f"{table['rows']:,}" if table["rows"] is not None else ""
        sizes_mb = " | ".join(_mb(table[key]) for key in ("heap_bytes", "index_bytes", "total_bytes"))
        lines.append(f"| {name} | {rows} | {sizes_mb} |")
    lines += ["", "| index | MB |", "|---|---:|"]
    lines += [f"| {name} | {_mb(size)} |" for name, size in sizes["indexes"].items() if size >= 1 << 20]
    return "\n".join(lines)


def build_markdown(build_result: dict[str, Any]) -> str:
    lines = [f"Build at scale {build_result['scale']}: {build_result['total_seconds']:.1f} s", ""]
    lines += ["| phase | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.1f} |" for name, seconds in build_result["phase_seconds"].items()]
    return "\n".join(lines)


def _load_results() -> dict[str, Any]:
    return json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() else {}


def _save(results: dict[str, Any]) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2, default=str))
    parts = []
    if "build" in results:
        parts += [build_markdown(results["build"]), "", sizes_markdown(results["sizes"])]
    if "read" in results:
        from bench.scale_read import read_markdown

        parts += ["", read_markdown(results["read"])]
    MARKDOWN_PATH.write_text("\n".join(parts) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("build", "read", "sizes", "all"), default="all")
    parser.add_argument("--scale", type=float, default=1.0, help="every count times this (try 0.01 first)")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per read path")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per read path before them")
    parser.add_argument(
        "--only", action="append", help="read: only the paths whose name contains this (repeatable), e.g. 'stats'"
    )
    args = parser.parse_args()
    database = database_from_env()
    setup_django(os.environ["DATABASE_URL"])
    results = _load_results() if args.command in ("read", "sizes") else {}
    results["environment"] = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
    }
    if args.command in ("build", "all"):
        results["build"] = run_build(database, args.scale)
        results["sizes"] = table_sizes(database)
        print(sizes_markdown(results["sizes"]), flush=True)
        _save(results)
    if args.command == "sizes":
        results["sizes"] = table_sizes(database)
        print(sizes_markdown(results["sizes"]), flush=True)
    results["environment"]["postgresql"] = server_version(database)
    if args.command in ("read", "all"):
        from bench.scale_read import read_markdown, run_read

        results["read"] = run_read(database, calls=args.calls, warmup=args.warmup, only=args.only)
        # The machine is shared: a reader judges the figures by the load around them.
        results["environment"]["loadavg_at_end"] = os.getloadavg()
        print(read_markdown(results["read"]), flush=True)
    _save(results)
    print(f"wrote {RESULTS_PATH.relative_to(ROOT)} and {MARKDOWN_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
