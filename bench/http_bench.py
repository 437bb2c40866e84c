"""HTTP API benchmark of rocky_scheduler: push/s and pop+PATCH-completed tasks/s through gunicorn,
against the requests/s of near-trivial endpoints on the same server with the same clients.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_http_bench .venv/bin/python bench/http_bench.py
The database named in DATABASE_URL is dropped and recreated. The server is started as
scripts/run.sh starts it (gunicorn scheduler_project.wsgi with scheduler_project/gunicorn.conf.py, access log),
or as each of `--servers` says (`--servers gthread:5x4,sync:5` compares two deployments in one run), with DEBUG
off and without the django-q2 cluster, which no request needs.
Prints a table and writes the raw figures to bench/results/http_bench.json.
"""

import argparse
import datetime
import multiprocessing
import os
import platform
import queue
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/; the project and the `bench` package live one level up.
# Spawned clients inherit this sys.path from multiprocessing's preparation data.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import DRAIN, GET, PUSH, ClientJob, run_client  # noqa: E402
from bench.http_server import CpuTracker, GunicornServer, ServerConfig, deployed_config  # noqa: E402
from bench.progress import Progress  # noqa: E402
from bench.report import results_write_and_print  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
RESULTS_PATH = RESULTS_DIR / "http_bench.json"
SERVER_LOG = RESULTS_DIR / "http_bench_gunicorn.log"
BENCH_USER = "http-bench"

# Targets from the brief.
TARGET_RATIO = 0.35  # completed tasks/s over the ceiling endpoint's requests/s
TARGET_CLIENTS = 16
TARGET_COMPLETED_PER_SECOND = 750.0
TARGET_PUSHES_PER_SECOND = 1150.0
# Issue 16 point 7, at TARGET_CLIENTS: completed tasks/s over (health requests/s / 2), pushes/s over health req/s.
TARGET_COMPLETED_HEALTH_RATIO = 0.70
TARGET_PUSH_HEALTH_RATIO = 0.50

# The ceilings: the cheapest endpoints the API has; the brief asks for an authenticated one.
CEILINGS = {
    "health": "GET /api/v1/health: no authentication, one SELECT 1",
    "task": "GET /api/v1/tasks/{id}: token authentication, one primary-key SELECT, one task as JSON",
    "queue": "GET /api/v1/queues/boefje: token authentication, scheduler SELECT, COUNT of queued tasks by scheduler",
}


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--servers",
        default=deployed_config().label,
        help="gunicorn deployments measured at every client count, one after another in this run, the first judged "
        "against the targets: `sync:5` (5 sync workers), `gthread:5x4` (5 workers of 4 threads); "
        "default: scheduler_project/gunicorn.conf.py's",
    )
    parser.add_argument(
        "--extra-servers", default="", help="other deployments, measured at --extra-clients only (e.g. sync:4)"
    )
    parser.add_argument("--clients", default="1,4,16", help="concurrent client processes per phase")
    parser.add_argument("--extra-clients", type=int, default=TARGET_CLIENTS)
    parser.add_argument("--backlog", type=int, default=20_000, help="queued tasks loaded before each client count")
    parser.add_argument(
        "--scheduled",
        action="store_true",
        help="give every backlog task its own schedule, so PATCH completed also reschedules (as for pushed tasks)",
    )
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each push and drain phase")
    parser.add_argument("--ceiling-seconds", type=float, default=10.0, help="length of each ceiling phase")
    parser.add_argument("--warmup-seconds", type=float, default=2.0)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each phase, wait up to this many seconds for the machine to be under 25%% busy",
    )
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _environment(database) -> dict[str, Any]:
    from importlib.metadata import version

    from bench.db import server_version

    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "git_commit": _git("rev-parse", "HEAD"),
        # Uncommitted changes to the code under test make the figures unreproducible: record them.
        "git_dirty": _git("status", "--porcelain", "--", "rocky_scheduler", "scheduler_project"),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "free_h": free.strip(),
        "python": platform.python_version(),
        "postgresql": server_version(database),
        "gunicorn": version("gunicorn"),
        "django": version("django"),
        "djangorestframework": version("djangorestframework"),
        "platform": platform.platform(),
        "loadavg_at_start": os.getloadavg(),
    }


def _setup_django() -> str:
    """Migrate the fresh database and create the superuser and DRF token the clients use."""
    # Query logging under DEBUG would grow memory and slow every query; a benchmark runs as production does.
    os.environ["DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "scheduler_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from rocky_scheduler.services.tokens import token_issue

    user = get_user_model().objects.create_superuser(BENCH_USER, email="", password=None)
    token = token_issue(user=user)
    connection.close()  # the phases must not find an idle connection of ours in their CPU figures
    return token


def _fresh_backlog(database, count: int, *, scheduled: bool = False) -> str:
    """Empty the task tables and load `count` queued boefje tasks; returns one task's id for GET."""
    from bench.db import connect, load_backlog, truncate

    truncate(database)
    load_backlog(database, count, scheduled=scheduled)
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM rocky_scheduler_task ORDER BY created_at LIMIT 1")
            return str(cursor.fetchone()[0])
    finally:
        connection.close()


def _percentile(ordered: list[float], fraction: float) -> float:
    # Nearest rank: with thousands of samples per type interpolation changes nothing that matters.
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _latency_summary(outcomes: list) -> dict[str, dict[str, float]]:
    merged: dict[str, list[float]] = {}
    for outcome in outcomes:
        for kind, samples in outcome.latencies.items():
            merged.setdefault(kind, []).extend(samples)
    summary = {}
    for kind, samples in merged.items():
        ordered = sorted(samples)
        summary[kind] = {
            "count": len(ordered),
            "p50_ms": _percentile(ordered, 0.50) * 1000,
            "p99_ms": _percentile(ordered, 0.99) * 1000,
            "max_ms": ordered[-1] * 1000,
            "mean_ms": sum(ordered) / len(ordered) * 1000,
        }
    return summary


QUIET_BUSY_PERCENT = 25.0
BUSY_PHASE_SHARE = 0.25  # other programs above this share of the CPUs: the phase's figures are depressed


def wait_for_quiet(max_seconds: float) -> float:
    """On a shared machine, wait (bounded) until other programs leave the CPUs mostly idle; returns busy %."""
    import psutil

    deadline = time.monotonic() + max_seconds
    busy = psutil.cpu_percent(interval=1.0)
    while busy >= QUIET_BUSY_PERCENT and time.monotonic() < deadline:
        busy = psutil.cpu_percent(interval=1.0)
    return busy


def run_phase(
    *,
    name: str,
    kind: str,
    clients: int,
    server: GunicornServer,
    database,
    token: str | None,
    seconds: float,
    path: str = "",
    tag: str = "",
    quiet_wait: float = 0.0,
    progress: Progress,
) -> dict[str, Any]:
    """Run `clients` client processes of one kind for `seconds`; throughput, latency, CPU and duplicates."""
    from bench.db import status_counts

    label = f"{name} {server.config.label} {clients}c"
    if quiet_wait:
        progress.step(f"{label}: waiting up to {quiet_wait:.0f} s for a quiet machine")
    busy_before = wait_for_quiet(quiet_wait) if quiet_wait else None
    progress.step(f"{label}: phase of {seconds:.0f} s")

    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(clients + 1, timeout=120)
    go = context.Event()
    results = context.Queue()
    processes = [
        context.Process(
            target=run_client,
            args=(
                ClientJob(kind=kind, port=server.port, token=token, seconds=seconds, index=index, tag=tag, path=path),
                ready,
                go,
                results,
            ),
            daemon=True,
        )
        for index in range(clients)
    ]
    for process in processes:
        process.start()
    counts_before = status_counts(database) if kind != GET else {}
    # Clients are imported and connected-to-be before the snapshot, so their start-up is not measured.
    ready.wait()
    load_before = os.getloadavg()
    tracker = CpuTracker(server, database.name)
    go.set()
    # Read before join: a child cannot exit while its result is still in the queue's pipe.
    outcomes = []
    deadline = time.monotonic() + seconds + 300
    while len(outcomes) < len(processes) and time.monotonic() < deadline:
        try:
            outcomes.append(results.get(timeout=1.0))
        except queue.Empty:
            tracker.sample()
    if len(outcomes) < len(processes):
        raise RuntimeError(f"phase {name}: {len(processes) - len(outcomes)} clients did not report")
    cpu = tracker.used()
    load_after = os.getloadavg()
    rss_after = server.worker_rss_mb()
    for process in processes:
        process.join(timeout=30)
    fatal = [outcome.fatal for outcome in outcomes if outcome.fatal]
    if fatal:
        raise RuntimeError(f"phase {name} failed:\n" + "\n".join(fatal))

    wall = max(outcome.ended_at for outcome in outcomes) - min(outcome.started_at for outcome in outcomes)
    requests = sum(outcome.requests for outcome in outcomes)
    ids = [task_id for outcome in outcomes for task_id in outcome.popped_ids]
    cpu["clients"] = sum(outcome.cpu_seconds for outcome in outcomes)
    # What neither server, database backends nor clients used: other programs on the shared machine
    # (and PostgreSQL's background writers).
    cpu["other"] = cpu["machine_busy"] - cpu["server_workers"] - cpu["postgres_backends"] - cpu["clients"]
    phase: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "path": path,
        "server": server.config.label,
        "workers": server.workers,
        "clients": clients,
        "seconds": wall,
        "requests": requests,
        "requests_per_second": requests / wall,
        "errors": sum(outcome.errors for outcome in outcomes),
        "error_samples": [sample for outcome in outcomes for sample in outcome.error_samples][:10],
        "connects": sum(outcome.connects for outcome in outcomes),
        "per_client_requests": [outcome.requests for outcome in outcomes],
        "latency": _latency_summary(outcomes),
        "cpu_seconds": cpu,
        "cpu_ms_per_request": {key: value / requests * 1000 for key, value in cpu.items() if requests},
        # Share of all CPUs that other programs took: high means the figures of this phase are depressed.
        "other_cpu_share": cpu["other"] / cpu["machine_capacity"] if cpu["machine_capacity"] else 0.0,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        # Per worker pid, after the phase: the same pids from phase to phase show whether a process grows.
        "worker_rss_mb": rss_after,
        "machine_busy_percent_before": busy_before,
    }
    if kind == DRAIN:
        counts_after = status_counts(database)
        phase.update(
            {
                "queued_before": counts_before.get("queued", 0),
                "tasks": len(ids),
                "tasks_per_second": len(ids) / wall,
                "duplicates": len(ids) - len(set(ids)),
                "empty_pops": sum(outcome.empty_pops for outcome in outcomes),
                # Every popped task must have been completed by its PATCH; none left dispatched.
                "db_completed": counts_after.get("completed", 0) - counts_before.get("completed", 0),
                "db_dispatched": counts_after.get("dispatched", 0),
            }
        )
    elif kind == PUSH:
        counts_after = status_counts(database)
        phase.update(
            {
                "queued_before": counts_before.get("queued", 0),
                "pushes": phase["latency"].get("push", {}).get("count", 0),
                "db_queued_added": counts_after.get("queued", 0) - counts_before.get("queued", 0),
            }
        )
    return phase


def _describe(phase: dict[str, Any]) -> str:
    latency = "  ".join(
        f"{kind} p50 {stats['p50_ms']:.1f} ms p99 {stats['p99_ms']:.1f} ms" for kind, stats in phase["latency"].items()
    )
    extra = ""
    if phase["kind"] == DRAIN:
        extra = f" -> {phase['tasks_per_second']:.0f} tasks/s, {phase['duplicates']} duplicates"
    return (
        f"  {phase['name']:<8} {phase['server']} {phase['clients']:>2}c: {phase['requests_per_second']:7.0f} req/s"
        f"{extra}; {latency}; {phase['connects'] / max(phase['requests'], 1):.2f} connects/request; "
        f"errors {phase['errors']}; load {phase['loadavg_after'][0]:.1f}"
    )


def run_server(
    args: argparse.Namespace,
    database,
    token: str,
    progress: Progress,
    *,
    config: ServerConfig,
    client_counts: list[int],
) -> list[dict[str, Any]]:
    """Start gunicorn as `config` says and measure every phase at each client count."""
    progress.step(f"starting gunicorn {config.label}")
    server = GunicornServer(config=config, database_url=os.environ["DATABASE_URL"], log_path=SERVER_LOG)
    workers = config.workers * config.threads
    phases = []
    try:
        print(f"gunicorn {config.label} on port {server.port}", flush=True)
        # Warm-up: every worker imports its lazy modules, connects, fills its caches; not recorded.
        progress.step(f"loading {args.backlog:,} queued tasks")
        task_id = _fresh_backlog(database, args.backlog, scheduled=args.scheduled)
        for kind, path in ((GET, f"/api/v1/tasks/{task_id}"), (GET, "/api/v1/queues/boefje"), (DRAIN, ""), (PUSH, "")):
            run_phase(
                name="warmup",
                kind=kind,
                clients=2 * workers,
                server=server,
                database=database,
                token=token,
                seconds=args.warmup_seconds,
                path=path,
                tag=f"warmup-{config.label}",
                progress=progress,
            )
        for clients in client_counts:
            # A fresh backlog per client count, so every drain starts from the same queue.
            progress.step(f"loading {args.backlog:,} queued tasks")
            task_id = _fresh_backlog(database, args.backlog, scheduled=args.scheduled)
            common = {
                "clients": clients,
                "server": server,
                "database": database,
                "quiet_wait": args.quiet_wait,
                "progress": progress,
            }
            ceilings = {
                "health": ("/api/v1/health", None),
                "task": (f"/api/v1/tasks/{task_id}", token),
                "queue": ("/api/v1/queues/boefje", token),
            }
            for name, (path, phase_token) in ceilings.items():
                phases.append(
                    run_phase(name=name, kind=GET, token=phase_token, seconds=args.ceiling_seconds, path=path, **common)
                )
                print(_describe(phases[-1]), flush=True)
            phases.append(run_phase(name="drain", kind=DRAIN, token=token, seconds=args.seconds, **common))
            print(_describe(phases[-1]), flush=True)
            phases.append(
                run_phase(
                    name="push", kind=PUSH, token=token, seconds=args.seconds, tag=f"{config.label}c{clients}", **common
                )
            )
            print(_describe(phases[-1]), flush=True)
    finally:
        server.stop()
    return phases


def _find(phases: list[dict[str, Any]], name: str, server: str, clients: int) -> dict[str, Any] | None:
    return next((p for p in phases if p["name"] == name and p["server"] == server and p["clients"] == clients), None)


def _cpu_bound_rate(phase: dict[str, Any], *, requests_per_unit: int) -> float:
    per_request = phase["cpu_ms_per_request"]
    ours = per_request["server_workers"] + per_request["postgres_backends"] + per_request["clients"]
    return (os.cpu_count() or 1) * 1000 / (ours * requests_per_unit)


def summarise(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (server, clients): the rates side by side and the ratio to each ceiling."""
    rows = []
    for server, clients in dict.fromkeys((p["server"], p["clients"]) for p in phases):
        drain = _find(phases, "drain", server, clients)
        push = _find(phases, "push", server, clients)
        row: dict[str, Any] = {
            "server": server,
            "clients": clients,
            "completed_per_second": drain["tasks_per_second"],
            "pushes_per_second": push["requests_per_second"],
            "duplicates": drain["duplicates"],
            # If server, database and clients had every CPU to themselves: nproc / CPU seconds per unit
            # of work. A reading of this machine's capacity that other programs' load does not depress.
            "cpu_bound_completed_per_second": _cpu_bound_rate(drain, requests_per_unit=2),
            "cpu_bound_pushes_per_second": _cpu_bound_rate(push, requests_per_unit=1),
            "latency_ms": {
                kind: {"p50": stats["p50_ms"], "p99": stats["p99_ms"]}
                for phase in (drain, push)
                for kind, stats in phase["latency"].items()
            },
            "ceilings": {},
        }
        for name in CEILINGS:
            ceiling = _find(phases, name, server, clients)
            row["ceilings"][name] = {
                "requests_per_second": ceiling["requests_per_second"],
                "ratio": drain["tasks_per_second"] / ceiling["requests_per_second"],
                "p50_ms": ceiling["latency"]["get"]["p50_ms"],
                "p99_ms": ceiling["latency"]["get"]["p99_ms"],
            }
        rows.append(row)
    return rows


def verdicts(rows: list[dict[str, Any]], phases: list[dict[str, Any]], server: str) -> dict[str, Any]:
    """The targets, judged on the first of --servers only."""
    mine = [row for row in rows if row["server"] == server]
    at_target = next((row for row in mine if row["clients"] == TARGET_CLIENTS), None)
    result: dict[str, Any] = {
        "ratio_met": {name: all(row["ceilings"][name]["ratio"] >= TARGET_RATIO for row in mine) for name in CEILINGS},
        "worst_ratio": {name: min(row["ceilings"][name]["ratio"] for row in mine) for name in CEILINGS},
        "no_duplicates": all(p["duplicates"] == 0 for p in phases if p["kind"] == DRAIN),
        "no_errors": all(p["errors"] == 0 for p in phases),
        # Each counted pop was completed in the database, and the benchmark left nothing dispatched.
        "no_losses": all(
            p["db_completed"] == p["tasks"] and p["db_dispatched"] == 0 for p in phases if p["kind"] == DRAIN
        ),
        "pushes_stored": all(p["db_queued_added"] == p["pushes"] for p in phases if p["kind"] == PUSH),
        "busy_phases": [
            f"{p['name']} {p['server']} {p['clients']}c" for p in phases if p["other_cpu_share"] > BUSY_PHASE_SHARE
        ],
    }
    if at_target:
        result["completed_at_16"] = at_target["completed_per_second"]
        result["pushes_at_16"] = at_target["pushes_per_second"]
        result["completed_met"] = at_target["completed_per_second"] >= TARGET_COMPLETED_PER_SECOND
        result["pushes_met"] = at_target["pushes_per_second"] >= TARGET_PUSHES_PER_SECOND
        health = at_target["ceilings"]["health"]["requests_per_second"]
        # Issue 16: a completed task is two requests (pop, PATCH), a push one; each against a health request.
        result["completed_health_ratio"] = at_target["completed_per_second"] / (health / 2)
        result["push_health_ratio"] = at_target["pushes_per_second"] / health
        result["completed_health_met"] = result["completed_health_ratio"] >= TARGET_COMPLETED_HEALTH_RATIO
        result["push_health_met"] = result["push_health_ratio"] >= TARGET_PUSH_HEALTH_RATIO
    return result


def memory_growth(phases: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per deployment: each worker's resident memory after its first measured phase and after its last one."""
    growth: dict[str, dict[str, float]] = {}
    for server in dict.fromkeys(p["server"] for p in phases):
        first: dict[str, float] = {}
        last: dict[str, float] = {}
        for phase in (p for p in phases if p["server"] == server):
            for pid, mb in phase["worker_rss_mb"].items():
                first.setdefault(str(pid), mb)
                last[str(pid)] = mb
        changes = [last[pid] - first[pid] for pid in last]
        growth[server] = {
            "workers_seen": len(last),
            "largest_mb": max(last.values(), default=0.0),
            "max_growth_mb": max(changes, default=0.0),
            "min_growth_mb": min(changes, default=0.0),
        }
    return growth


def _yes(flag: bool) -> str:
    return "met" if flag else "NOT met"


def print_report(results: dict[str, Any]) -> None:
    env = results["environment"]
    print(
        f"\nrocky_scheduler HTTP benchmark, {env['date']}: {env['nproc']} CPUs ({env['cpu_model']}), "
        f"PostgreSQL {env['postgresql']}, Python {env['python']}, gunicorn {env['gunicorn']}"
    )
    print("Server, database and clients share the machine's CPUs; load = 1-minute load average after each phase.")
    print(
        f"\n  {'server':>13} {'clients':>7} {'done/s':>7} {'push/s':>7} {'health/s':>8} {'task/s':>7} "
        f"{'queue/s':>7} {'done/task':>9} {'done/health':>11} {'dups':>4} {'CPU-bound done/s, push/s':>25}"
    )
    for row in results["summary"]:
        ceilings = row["ceilings"]
        print(
            f"  {row['server']:>13} {row['clients']:>7} {row['completed_per_second']:>7.0f} "
            f"{row['pushes_per_second']:>7.0f} {ceilings['health']['requests_per_second']:>8.0f} "
            f"{ceilings['task']['requests_per_second']:>7.0f} {ceilings['queue']['requests_per_second']:>7.0f} "
            f"{ceilings['task']['ratio']:>9.2f} {ceilings['health']['ratio']:>11.2f} {row['duplicates']:>4} "
            f"{row['cpu_bound_completed_per_second']:>16.0f}, {row['cpu_bound_pushes_per_second']:>6.0f}"
        )
    print(
        "  CPU-bound = nproc / CPU per unit of work (server workers + PostgreSQL backends + clients): "
        "what the CPUs would allow without other programs"
    )
    print("\n  latency p50 / p99 in ms")
    print(f"  {'server':>13} {'clients':>7} {'pop':>13} {'patch':>13} {'push':>13} {'task GET':>13} {'health':>13}")
    for row in results["summary"]:
        latency = {**row["latency_ms"]}
        for name in ("task", "health"):
            latency[name] = {"p50": row["ceilings"][name]["p50_ms"], "p99": row["ceilings"][name]["p99_ms"]}
        cells = [
            f"{latency[k]['p50']:5.1f} / {latency[k]['p99']:5.1f}" for k in ("pop", "patch", "push", "task", "health")
        ]
        print(f"  {row['server']:>13} {row['clients']:>7} " + " ".join(f"{cell:>13}" for cell in cells))
    print(
        "\n  CPU ms per request (server workers / PostgreSQL backends / clients / other programs), "
        "share of the machine other programs took"
    )
    for phase in results["phases"]:
        cpu = phase["cpu_ms_per_request"]
        print(
            f"  {phase['name']:<7} {phase['server']} {phase['clients']:>2}c: {cpu['server_workers']:5.2f} / "
            f"{cpu['postgres_backends']:5.2f} / {cpu['clients']:5.2f} / {cpu['other']:5.2f}  "
            f"{phase['other_cpu_share']:4.0%}  load {phase['loadavg_before'][0]:.1f} -> {phase['loadavg_after'][0]:.1f}"
        )
    verdict = results["verdicts"]
    print(f"\nTargets ({results['config']['servers'].split(',')[0]})")
    for name in CEILINGS:
        print(
            f"  completed/s >= {TARGET_RATIO:.0%} of {CEILINGS[name]}: worst {verdict['worst_ratio'][name]:.2f} "
            f"-> {_yes(verdict['ratio_met'][name])}"
        )
    if "completed_at_16" in verdict:
        print(
            f"  {TARGET_CLIENTS} clients: {verdict['completed_at_16']:.0f} completed/s "
            f"(>= {TARGET_COMPLETED_PER_SECOND:.0f}) -> {_yes(verdict['completed_met'])}; "
            f"{verdict['pushes_at_16']:.0f} pushes/s (>= {TARGET_PUSHES_PER_SECOND:.0f}) "
            f"-> {_yes(verdict['pushes_met'])}"
        )
        print(
            f"  {TARGET_CLIENTS} clients: completed/s over health/2 {verdict['completed_health_ratio']:.2f} "
            f"(>= {TARGET_COMPLETED_HEALTH_RATIO:.2f}) -> {_yes(verdict['completed_health_met'])}; pushes/s over "
            f"health {verdict['push_health_ratio']:.2f} (>= {TARGET_PUSH_HEALTH_RATIO:.2f}) "
            f"-> {_yes(verdict['push_health_met'])}"
        )
    if verdict["busy_phases"]:
        print(
            f"  WARNING: other programs took over {BUSY_PHASE_SHARE:.0%} of the CPUs during "
            f"{len(verdict['busy_phases'])} phases ({', '.join(verdict['busy_phases'])}): their figures are depressed"
        )
    for server, memory in results["memory"].items():
        print(
            f"  memory of {server}'s {memory['workers_seen']} workers, first phase to last (MB): "
            f"{memory['min_growth_mb']:+.1f} to {memory['max_growth_mb']:+.1f}; largest {memory['largest_mb']:.0f}"
        )
    print(
        f"  duplicates: {'none' if verdict['no_duplicates'] else 'FOUND'}; errors: "
        f"{'none' if verdict['no_errors'] else 'FOUND'}; lost tasks: {'none' if verdict['no_losses'] else 'FOUND'}"
    )


def main() -> int:
    args = _parse_args()
    with Progress("http bench") as progress:
        results = run_all(args, progress)
    results_write_and_print(results, RESULTS_PATH, print_report)
    verdict = results["verdicts"]
    return 0 if verdict["no_duplicates"] and verdict["no_errors"] and verdict["no_losses"] else 1


def run_all(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Every worker count and phase in order; a progress line at least every 10 s (bench/progress.py)."""
    from bench.db import database_from_env, recreate_database

    database = database_from_env()
    run_started = time.perf_counter()
    progress.step("creating the database and migrating")
    recreate_database(database)
    token = _setup_django()
    results: dict[str, Any] = {
        "environment": _environment(database),
        "command": "DATABASE_URL=... .venv/bin/python " + " ".join(["bench/http_bench.py", *sys.argv[1:]]),
        "config": vars(args),
        "ceilings": CEILINGS,
        "phases": [],
    }
    servers = [ServerConfig.parse(text) for text in args.servers.split(",") if text.strip()]
    for config in servers:
        results["phases"] += run_server(
            args, database, token, progress, config=config, client_counts=_ints(args.clients)
        )
    for text in args.extra_servers.split(","):
        if text.strip():
            results["phases"] += run_server(
                args, database, token, progress, config=ServerConfig.parse(text), client_counts=[args.extra_clients]
            )
    results["summary"] = summarise(results["phases"])
    results["memory"] = memory_growth(results["phases"])
    results["verdicts"] = verdicts(results["summary"], results["phases"], servers[0].label)
    results["total_seconds"] = time.perf_counter() - run_started
    return results


if __name__ == "__main__":
    sys.exit(main())
