"""Queue benchmark of rocky_scheduler on PostgreSQL: push/s, pop-and-complete/s against a raw-SQL
baseline, memory of a server process versus backlog size, and time to the first pop after start.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_bench .venv/bin/python bench/queue_bench.py
(`make bench`). The database named in DATABASE_URL is dropped and recreated. Prints a table and
writes the raw figures to bench/results/queue_bench.json.
"""

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/; the project and the `bench` package live one level up.
# Spawned children inherit this sys.path from multiprocessing's preparation data.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.progress import Progress  # noqa: E402
from bench.report import results_write_and_print  # noqa: E402 - needs the path above

RESULTS_PATH = ROOT / "bench" / "results" / "queue_bench.json"
MB = 1024 * 1024

# Targets of docs/benchmarks/queue.md (the queue rules of docs/design.md).
TARGET_POP_RATIO = 0.5
TARGET_MEMORY_GROWTH_MB = 50.0
TARGET_FIRST_POP_SECONDS = 1.0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=5_000, help="pushes per push scenario")
    parser.add_argument("--drain", type=int, default=5_000, help="tasks popped and completed per drain run")
    parser.add_argument("--drain-deadline", type=float, default=15.0, help="seconds after which a drain run stops")
    parser.add_argument("--backlogs", default="10000,100000", help="queued backlogs for the drain runs")
    parser.add_argument("--processes", default="1,2,4", help="worker process counts for the drain runs")
    parser.add_argument("--small", type=int, default=10_000, help="small backlog of the memory/start-up probe")
    parser.add_argument("--large", type=int, default=1_000_000, help="large backlog of the memory/start-up probe")
    parser.add_argument("--probe-runs", type=int, default=3, help="server probes per backlog")
    parser.add_argument("--repeats", type=int, default=2, help="drain runs per configuration (median reported)")
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _environment(database) -> dict[str, Any]:
    from bench.db import server_version

    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    return {
        "git_commit": _git("rev-parse", "HEAD"),
        # Uncommitted changes to the code under test make the figures unreproducible: record them.
        "git_dirty": _git("status", "--porcelain", "--", "rocky_scheduler", "scheduler_project"),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "free_h": free.strip(),
        "python": platform.python_version(),
        "postgresql": server_version(database),
        "platform": platform.platform(),
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _setup_django(database) -> None:
    # Query logging under DEBUG would grow memory and slow every query; a benchmark runs as production does.
    os.environ["DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "scheduler_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def bench_push(database, progress: Progress, *, count: int, backlog: int) -> dict[str, Any]:
    """`count` pushes through task_push in this process, on top of `backlog` queued tasks."""
    from django.db import connection

    from bench.db import load_backlog, status_counts, truncate
    from rocky_scheduler.queue.heap import heaps
    from rocky_scheduler.services import task_push

    connection.close()
    truncate(database)
    if backlog:
        progress.step(f"push: loading {backlog:,} queued tasks")
        load_backlog(database, backlog)
    heaps.clear()
    # Payloads as Rocky sends them (tests/factories.py boefje_data), built before the clock starts.
    payloads = [
        {
            "id": None,
            "boefje": {"id": "dns-records", "name": "dns-records", "version": None},
            "input_ooi": f"Hostname|internet|pushed{index}.example.com",
            "organization": "acme",
            "dispatches": [],
        }
        for index in range(count)
    ]
    progress.step(f"push on {backlog:,}", total=count)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for payload in payloads:
        task_push(scheduler_id="boefje", organisation="acme", data=payload, actor="bench")
        progress.done += 1
    elapsed = time.perf_counter() - started
    counts = status_counts(database)
    return {
        "backlog": backlog,
        "pushes": count,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "queued_after": counts.get("queued", 0),
        # The machine may be shared: the 1-minute load average tells a reader how quiet it was.
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg()[0],
    }


def bench_drain(
    database,
    progress: Progress,
    *,
    implementation: str,
    processes: int,
    backlog: int,
    target: int,
    deadline: float,
    scheduled: bool = False,
) -> dict[str, Any]:
    """Pop-and-complete with `processes` spawned workers on a fresh backlog; counts duplicates and losses."""
    from bench.db import load_backlog, status_counts, truncate
    from bench.workers import DrainJob, drain

    label = f"{implementation} {processes}p on {backlog:,}{' scheduled' if scheduled else ''}"
    progress.step(f"{label}: loading the backlog")
    truncate(database)
    load_backlog(database, backlog, scheduled=scheduled)
    context = multiprocessing.get_context("spawn")
    counter = context.Value("i", 0)
    progress.step(label, total=target, count=lambda: counter.value)
    start = context.Barrier(processes + 1, timeout=300)
    results = context.Queue()
    workers = [
        context.Process(
            target=drain,
            args=(
                DrainJob(implementation, f"{implementation}-{index}", database.dsn, target, deadline),
                counter,
                start,
                results,
            ),
        )
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    load_before = os.getloadavg()[0]
    start.wait()
    started_at = time.monotonic()
    # Read before join: a child cannot exit while its result is still in the queue's pipe.
    outcomes = [results.get(timeout=deadline + 300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    errors = [outcome.error for outcome in outcomes if outcome.error]
    if errors:
        raise RuntimeError(f"{implementation} drain failed:\n" + "\n".join(errors))

    elapsed = max(outcome.ended_at for outcome in outcomes) - started_at
    ids = [task_id for outcome in outcomes for task_id in outcome.ids]
    counts = status_counts(database)
    completed = counts.get("completed", 0)
    return {
        "implementation": implementation,
        "processes": processes,
        "backlog": backlog,
        "scheduled": scheduled,
        "tasks": len(ids),
        "seconds": elapsed,
        "per_second": len(ids) / elapsed if elapsed > 0 else 0.0,
        "per_process": [len(outcome.ids) for outcome in outcomes],
        "duplicates": len(ids) - len(set(ids)),
        "empty_pops": sum(outcome.empty_pops for outcome in outcomes),
        "db_completed": completed,
        "db_dispatched": counts.get("dispatched", 0),
        # Every task must be either still queued or completed by exactly the pops we counted.
        "lost": backlog - counts.get("queued", 0) - completed - counts.get("dispatched", 0),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg()[0],
    }


def bench_probe(database, progress: Progress, *, backlog: int, runs: int, pops: int = 20) -> dict[str, Any]:
    """Spawn server-like processes on a `backlog` queue: start-up to first pop, and resident memory."""
    from bench.db import load_backlog, truncate

    progress.step(f"probe: loading {backlog:,} queued tasks")
    truncate(database)
    load_started = time.perf_counter()
    load_backlog(database, backlog)
    load_seconds = time.perf_counter() - load_started
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "scheduler_project.settings"}
    samples = []
    progress.step(f"probe on {backlog:,}", total=runs)
    for _ in range(runs):
        progress.done = len(samples)
        spawned_at = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "bench.server_probe", "--pops", str(pops)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"server probe failed:\n{completed.stderr}")
        report = json.loads(completed.stdout.strip().splitlines()[-1])
        report["spawn_to_first_pop"] = report["first_pop_at"] - spawned_at
        report["interpreter_start"] = report["started_at"] - spawned_at
        report["imports_and_setup"] = report["setup_done_at"] - report["started_at"]
        # Excludes interpreter start-up, imports and django.setup(); includes connecting and loading the heap.
        report["first_pop_call"] = report["first_pop_at"] - report["setup_done_at"]
        samples.append(report)
    return {"backlog": backlog, "load_seconds": load_seconds, "runs": samples}


def _median(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def drain_summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (implementation, backlog, processes): median rate over repeats, summed safety counts."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["implementation"], run["backlog"], run["processes"], run["scheduled"]), []).append(run)
    return [
        {
            "implementation": implementation,
            "backlog": backlog,
            "processes": processes,
            "scheduled": scheduled,
            "per_second": _median(group, "per_second"),
            "per_second_runs": [run["per_second"] for run in group],
            "tasks": sum(run["tasks"] for run in group),
            "duplicates": sum(run["duplicates"] for run in group),
            "lost": sum(run["lost"] + run["db_dispatched"] for run in group),
            "loadavg_max": max(max(run["loadavg_before"], run["loadavg_after"]) for run in group),
        }
        for (implementation, backlog, processes, scheduled), group in groups.items()
    ]


def _verdicts(results: dict[str, Any]) -> dict[str, Any]:
    raw_rates = {
        (run["backlog"], run["processes"], run["scheduled"]): run["per_second"]
        for run in results["drain_summary"]
        if run["implementation"] == "raw"
    }
    ratios = [
        {
            "backlog": run["backlog"],
            "processes": run["processes"],
            "scheduled": run["scheduled"],
            "ratio": run["per_second"] / raw_rates[(run["backlog"], run["processes"], run["scheduled"])],
        }
        for run in results["drain_summary"]
        if run["implementation"] == "core" and (run["backlog"], run["processes"], run["scheduled"]) in raw_rates
    ]
    small, large = results["probe"]
    growth_mb = (_median(large["runs"], "rss_after_pops") - _median(small["runs"], "rss_after_pops")) / MB
    peak_growth_mb = (_median(large["runs"], "peak_rss") - _median(small["runs"], "peak_rss")) / MB
    first_pop_incl = max(run["spawn_to_first_pop"] for run in large["runs"])
    first_pop_excl = max(run["first_pop_call"] for run in large["runs"])
    return {
        "pop_ratios": ratios,
        "pop_ratio_met": all(item["ratio"] >= TARGET_POP_RATIO for item in ratios),
        "memory_growth_mb": growth_mb,
        "peak_memory_growth_mb": peak_growth_mb,
        "memory_met": growth_mb < TARGET_MEMORY_GROWTH_MB and peak_growth_mb < TARGET_MEMORY_GROWTH_MB,
        "first_pop_including_imports_max": first_pop_incl,
        "first_pop_excluding_imports_max": first_pop_excl,
        "first_pop_including_imports_met": first_pop_incl < TARGET_FIRST_POP_SECONDS,
        "first_pop_excluding_imports_met": first_pop_excl < TARGET_FIRST_POP_SECONDS,
        "no_duplicates": all(run["duplicates"] == 0 for run in results["drain"]),
        # Every drained task must end completed: none stuck in dispatched, none vanished.
        "no_losses": all(run["lost"] == 0 and run["db_dispatched"] == 0 for run in results["drain"]),
    }


def _yes(flag: bool) -> str:
    return "met" if flag else "NOT met"


def print_report(results: dict[str, Any]) -> None:
    env = results["environment"]
    print(
        f"\nrocky_scheduler queue benchmark, {env['date']}: {env['nproc']} CPUs, PostgreSQL {env['postgresql']}, "
        f"Python {env['python']}"
    )
    print(f"\nload = highest 1-minute load average seen around the runs (the machine has {env['nproc']} CPUs)")
    print("\nPush (task_push, 1 process)")
    print(f"  {'backlog':>9} {'pushes':>7} {'seconds':>8} {'push/s':>8} {'load':>5}")
    for run in results["push"]:
        print(
            f"  {run['backlog']:>9,} {run['pushes']:>7,} {run['seconds']:>8.2f} {run['per_second']:>8.0f} "
            f"{max(run['loadavg_before'], run['loadavg_after']):>5.1f}"
        )

    print(
        "\nPop and complete (tasks/s, median of runs; core = task_pop + task_transition, "
        "raw = one UPDATE ... SKIP LOCKED + UPDATE)"
    )
    print(
        f"  {'backlog':>9} {'procs':>5} {'core/s':>8} {'raw/s':>8} {'core/raw':>8} {'dups':>5} {'lost':>5} "
        f"{'load':>5}  tasks"
    )
    summary = results["drain_summary"]
    drain = {(run["implementation"], run["backlog"], run["processes"], run["scheduled"]): run for run in summary}
    for core in (run for run in summary if run["implementation"] == "core"):
        raw = drain.get(("raw", core["backlog"], core["processes"], core["scheduled"]))
        ratio = core["per_second"] / raw["per_second"] if raw else float("nan")
        dups = core["duplicates"] + (raw["duplicates"] if raw else 0)
        lost = core["lost"] + (raw["lost"] if raw else 0)
        print(
            f"  {core['backlog']:>8,}{'*' if core['scheduled'] else ' '} {core['processes']:>5} "
            f"{core['per_second']:>8.0f} "
            f"{raw['per_second'] if raw else float('nan'):>8.0f} {ratio:>8.2f} {dups:>5} {lost:>5} "
            f"{max(core['loadavg_max'], raw['loadavg_max'] if raw else 0):>5.1f}  "
            f"{core['tasks']:,} / {raw['tasks'] if raw else 0:,}"
        )

    if any(run["scheduled"] for run in summary):
        print("  * each task belongs to a schedule (as every pushed boefje task does): completing it reschedules")
    print("\nServer-like process (spawn, django.setup(), 20 x task_pop), median of runs; MB = 2**20 bytes")
    print(
        f"  {'backlog':>9} {'RSS setup':>9} {'RSS pops':>9} {'peak RSS':>9} {'spawn->pop':>10} "
        f"{'pop call':>9} {'imports':>8} {'heap':>5}"
    )
    for probe in results["probe"]:
        runs = probe["runs"]
        print(
            f"  {probe['backlog']:>9,} {_median(runs, 'rss_after_setup') / MB:>9.1f} "
            f"{_median(runs, 'rss_after_pops') / MB:>9.1f} {_median(runs, 'peak_rss') / MB:>9.1f} "
            f"{_median(runs, 'spawn_to_first_pop'):>9.3f}s {_median(runs, 'first_pop_call'):>8.3f}s "
            f"{_median(runs, 'imports_and_setup'):>7.3f}s {runs[0]['heap_window_size']:>5}"
        )

    verdicts = results["verdicts"]
    worst = min((item["ratio"] for item in verdicts["pop_ratios"]), default=float("nan"))
    small, large = (probe["backlog"] for probe in results["probe"])
    print("\nTargets")
    print(
        f"  pop-and-complete >= {TARGET_POP_RATIO:.0%} of raw SQL: worst {worst:.2f} "
        f"-> {_yes(verdicts['pop_ratio_met'])}"
    )
    print(
        f"  RSS growth {small:,} -> {large:,} queued < {TARGET_MEMORY_GROWTH_MB:.0f} MB: "
        f"{verdicts['memory_growth_mb']:+.1f} MB "
        f"(peak {verdicts['peak_memory_growth_mb']:+.1f} MB) -> {_yes(verdicts['memory_met'])}"
    )
    print(
        f"  first pop < {TARGET_FIRST_POP_SECONDS:.0f} s with {large:,} queued, worst run: "
        f"{verdicts['first_pop_including_imports_max']:.3f} s including Python/Django start-up "
        f"-> {_yes(verdicts['first_pop_including_imports_met'])}; "
        f"{verdicts['first_pop_excluding_imports_max']:.3f} s excluding it "
        f"-> {_yes(verdicts['first_pop_excluding_imports_met'])}"
    )
    print(
        f"  duplicates: {'none' if verdicts['no_duplicates'] else 'FOUND'}; "
        f"lost tasks: {'none' if verdicts['no_losses'] else 'FOUND'}"
    )


def run_scenarios(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Every scenario in order; a progress line at least every 10 s (bench/progress.py)."""
    from bench.db import database_from_env, recreate_database

    database = database_from_env()
    run_started = time.perf_counter()
    progress.step("creating the database and migrating")
    recreate_database(database)
    _setup_django(database)
    results: dict[str, Any] = {
        "environment": _environment(database),
        "command": "DATABASE_URL=... .venv/bin/python " + " ".join(["bench/queue_bench.py", *sys.argv[1:]]),
        "config": vars(args),
        "push": [],
        "drain": [],
        "probe": [],
    }
    for backlog in (0, _ints(args.backlogs)[-1]):
        results["push"].append(bench_push(database, progress, count=args.pushes, backlog=backlog))
        print(f"push on {backlog:,}: {results['push'][-1]['per_second']:.0f}/s", flush=True)
    for repeat in range(args.repeats):
        for backlog in _ints(args.backlogs):
            for processes in _ints(args.processes):
                # Core and baseline back to back on identical fresh backlogs, so they share conditions;
                # the order alternates between repeats so neither always runs first.
                for implementation in ("core", "raw") if repeat % 2 == 0 else ("raw", "core"):
                    run = bench_drain(
                        database,
                        progress,
                        implementation=implementation,
                        processes=processes,
                        backlog=backlog,
                        target=min(args.drain, backlog),
                        deadline=args.drain_deadline,
                    )
                    run["repeat"] = repeat
                    results["drain"].append(run)
                    print(
                        f"{implementation} {processes}p on {backlog:,}: {run['per_second']:.0f}/s "
                        f"({run['tasks']} tasks, {run['duplicates']} duplicates)",
                        flush=True,
                    )
        # One configuration where tasks have schedules, as pushed boefje tasks do; the brief's
        # backlogs (like tests/factories.py bulk_backlog) have none and so skip rescheduling.
        for implementation in ("core", "raw") if repeat % 2 == 0 else ("raw", "core"):
            run = bench_drain(
                database,
                progress,
                implementation=implementation,
                processes=1,
                backlog=_ints(args.backlogs)[0],
                target=min(args.drain, _ints(args.backlogs)[0]),
                deadline=args.drain_deadline,
                scheduled=True,
            )
            run["repeat"] = repeat
            results["drain"].append(run)
            print(f"{implementation} 1p on {run['backlog']:,} scheduled: {run['per_second']:.0f}/s", flush=True)
    results["drain_summary"] = drain_summary(results["drain"])
    for backlog in (args.small, args.large):
        results["probe"].append(bench_probe(database, progress, backlog=backlog, runs=args.probe_runs))
        print(f"probe on {backlog:,} done", flush=True)
    results["verdicts"] = _verdicts(results)
    results["total_seconds"] = time.perf_counter() - run_started

    return results


def main() -> int:
    args = _parse_args()
    with Progress("queue bench") as progress:
        results = run_scenarios(args, progress)
    results_write_and_print(results, RESULTS_PATH, print_report)
    verdicts = results["verdicts"]
    return 0 if verdicts["no_duplicates"] and verdicts["no_losses"] else 1


if __name__ == "__main__":
    sys.exit(main())
