"""Where an API request's time goes, as a companion to bench/http_bench.py.

1. Each call of the HTTP benchmark (health, GET task, pop, PATCH completed, push) run in this
   process through Django's WSGI handler: no gunicorn, no network, one at a time, so the CPU
   time per call is the application's alone. Counted too: SQL statements per call and the
   `SELECT 1` health checks that CONN_HEALTH_CHECKS adds. Variants show what token
   authentication and the health check cost: anonymous mode without a token, health checks off.
2. Bare gunicorn: the same sync workers and access log serving bench/wsgi_floor.py (a constant),
   loaded by the same client processes, which is what gunicorn and the clients cost on their own.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_http_bench .venv/bin/python bench/http_profile.py
(the database is dropped and recreated). Writes bench/results/http_profile.json.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import COMPLETED_BODY, GET, push_body  # noqa: E402
from bench.http_server import deployed_workers  # noqa: E402
from bench.progress import Progress  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "http_profile.json"
VARIANTS = ("as deployed", "anonymous, no token", "no CONN_HEALTH_CHECKS")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=400, help="calls per operation and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the variants (median reported)")
    parser.add_argument("--backlog", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=deployed_workers())
    parser.add_argument("--clients", default="1,4,16", help="client counts for the bare gunicorn floor")
    parser.add_argument("--floor-seconds", type=float, default=5.0)
    return parser.parse_args()


class InProcessApi:
    """Calls the project's WSGI application directly, as gunicorn's worker would."""

    def __init__(self, token: str) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.token: str | None = token
        self.sequence = 0

    def call(self, method: str, path: str, body: bytes = b"", *, authenticated: bool = True) -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_ACCEPT": "application/json",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        if authenticated and self.token:
            environ["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        answer: dict[str, int] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            answer["status"] = int(status.split()[0])

        chunks = self.handler(environ, start_response)
        payload = b"".join(chunks)
        chunks.close()  # sends request_finished, as a WSGI server must
        if answer["status"] >= 400:
            raise RuntimeError(f"{method} {path}: {answer['status']} {payload[:300]!r}")
        return answer["status"], payload

    def operations(self, task_id: str) -> dict[str, Callable[[], None]]:
        """One callable per request type; pop stores ids that PATCH then completes."""
        popped: list[str] = []

        def pop() -> None:
            _, payload = self.call("POST", "/api/v1/schedulers/boefje/pop")
            popped.append(json.loads(payload)["results"][0]["id"])

        def patch() -> None:
            self.call("PATCH", f"/api/v1/tasks/{popped.pop()}", COMPLETED_BODY)

        def push() -> None:
            self.sequence += 1
            ooi = f"Hostname|internet|profile-{time.time_ns()}-{self.sequence}.example.com"
            self.call("POST", "/api/v1/schedulers/boefje/push", push_body(scheduler_id="boefje", input_ooi=ooi))

        return {
            "health": lambda: self.call("GET", "/api/v1/health", authenticated=False),
            "task GET": lambda: self.call("GET", f"/api/v1/tasks/{task_id}"),
            "pop": pop,
            "PATCH completed": patch,
            "push": push,
        }


class _Variant:
    """Switches the settings a variant changes, and back."""

    def __init__(self, name: str, api: InProcessApi, token: str) -> None:
        self.name, self.api, self.token = name, api, token

    def __enter__(self) -> None:
        from django.conf import settings
        from django.db import connection

        if self.name == "anonymous, no token":
            # rocky_scheduler.conf reads ROCKY_SCHEDULER on every access, so this takes effect at once.
            settings.ROCKY_SCHEDULER["API_ALLOW_ANONYMOUS"] = True
            self.api.token = None
        elif self.name == "no CONN_HEALTH_CHECKS":
            connection.settings_dict["CONN_HEALTH_CHECKS"] = False

    def __exit__(self, *exc_info: object) -> None:
        from django.conf import settings
        from django.db import connection

        settings.ROCKY_SCHEDULER["API_ALLOW_ANONYMOUS"] = False
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
        self.api.token = self.token


def count_round_trips(operation: Callable[[], None]) -> dict[str, int]:
    """SQL statements one call sends, and the health-check SELECT 1s before them."""
    from django.db import connection

    statements: list[str] = []
    checks = Counter()
    original = connection.is_usable

    def counting_is_usable() -> bool:
        checks["health_checks"] += 1
        return original()

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    connection.is_usable = counting_is_usable
    try:
        with connection.execute_wrapper(wrapper):
            operation()
    finally:
        del connection.is_usable  # back to the class's method
    return {"statements": len(statements), "health_checks": checks["health_checks"]}


def measure_in_process(
    args: argparse.Namespace, api: InProcessApi, task_id: str, token: str, progress: Progress
) -> dict[str, Any]:
    operations = api.operations(task_id)
    samples: dict[str, dict[str, list[float]]] = {variant: {} for variant in VARIANTS}
    round_trips = {}
    for name, operation in operations.items():
        if name == "PATCH completed":
            operations["pop"]()
        round_trips[name] = count_round_trips(operation)
    for number in range(args.rounds):
        # Variants interleaved round by round, so a busy spell on the shared machine hits all of them.
        for variant in VARIANTS:
            progress.step(f"in process, round {number + 1}/{args.rounds}: {variant}")
            with _Variant(variant, api, token):
                for name, operation in operations.items():
                    operation()  # warm: caches, heap window
                    started_cpu, started_wall = time.process_time(), time.perf_counter()
                    for _ in range(args.calls):
                        operation()
                    cpu = (time.process_time() - started_cpu) / args.calls
                    wall = (time.perf_counter() - started_wall) / args.calls
                    samples[variant].setdefault(name, []).append(cpu)
                    samples[variant].setdefault(f"{name} wall", []).append(wall)
                    if name == "push":
                        _set_pushed_aside()
    return {
        "cpu_ms": {
            variant: {name: statistics.median(values) * 1000 for name, values in by_name.items()}
            for variant, by_name in samples.items()
        },
        "round_trips": round_trips,
    }


def _set_pushed_aside() -> None:
    """Cancel the tasks pushed so far, so later pops take backlog tasks only, as in the HTTP bench."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rocky_scheduler_task SET status = 'cancelled' "
            "WHERE status = 'queued' AND data->>'input_ooi' LIKE 'Hostname|internet|profile-%%'"
        )


def _area(filename: str, function: str) -> str:
    if filename == "~":
        return "psycopg2 (libpq, sockets)" if "psycopg2" in function else "C built-ins"
    for marker, area in (
        ("django/db", "Django ORM and database layer"),
        ("rest_framework", "DRF"),
        ("django", "Django request handling, middleware"),
        ("rocky_scheduler", "rocky_scheduler"),
    ):
        if marker in filename:
            return area
    return "standard library, other"


# Functions whose inclusive time answers "what does this step cost": (label, file part, function).
KEY_FUNCTIONS = (
    ("token authentication", "rest_framework/authentication.py", "authenticate"),
    ("CONN_HEALTH_CHECKS SELECT 1", "postgresql/base.py", "is_usable"),
    ("SQL compilation (ORM as_sql)", "django/db/models/sql/compiler.py", "as_sql"),
    ("task_pop", "rocky_scheduler/services/task_pop.py", "task_pop"),
    ("task_transition", "rocky_scheduler/services/task_transition.py", "task_transition"),
    ("task_push", "rocky_scheduler/services/task_push.py", "task_push"),
    ("ranker (task_push._rank)", "rocky_scheduler/services/task_push.py", "_rank"),
    ("response rendering (DRF)", "rest_framework/response.py", "rendered_content"),
)


def profile_shares(operation: Callable[[], None], calls: int) -> dict[str, dict[str, float]]:
    """cProfile CPU-time shares per area (own time) and per key step (inclusive).

    The profiler inflates Python code more than C code, so these are proportions, not times.
    """
    # CPU time, not wall time: waiting for PostgreSQL's answer would otherwise count as psycopg2's.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(calls):
        operation()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    areas: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    for (filename, _, function), (_, _, own_time, inclusive_time, _) in stats.items():
        areas[_area(filename, function)] += own_time
        for label, file_part, name in KEY_FUNCTIONS:
            if function == name and file_part in filename:
                steps[label] += inclusive_time
    total = sum(areas.values())
    return {
        "areas": {area: seconds / total for area, seconds in areas.most_common()},
        "steps": {label: seconds / total for label, seconds in steps.most_common() if seconds},
    }


def measure_floor(args: argparse.Namespace, database, progress: Progress) -> list[dict[str, Any]]:
    from bench.http_bench import run_phase
    from bench.http_server import GunicornServer

    server = GunicornServer(
        workers=args.workers,
        database_url=os.environ["DATABASE_URL"],
        log_path=ROOT / "bench" / "results" / "http_profile_gunicorn.log",
        app="bench.wsgi_floor:application",
        ready_path="/",
    )
    try:
        return [
            run_phase(
                name="floor",
                kind=GET,
                clients=clients,
                server=server,
                database=database,
                token=None,
                seconds=args.floor_seconds,
                path="/",
                progress=progress,
            )
            for clients in (int(part) for part in args.clients.split(","))
        ]
    finally:
        server.stop()


def main() -> int:
    args = _parse_args()
    with Progress("http profile") as progress:
        results = profile(args, progress)
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_report(results)
    return 0


def profile(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """In-process calls, their cProfile shares, then the bare gunicorn floor; progress at least every 10 s."""
    from bench.db import database_from_env, recreate_database
    from bench.http_bench import _environment, _fresh_backlog, _setup_django

    database = database_from_env()
    progress.step("creating the database and the backlog")
    recreate_database(database)
    token = _setup_django()
    # Large enough that every round's pops find queued work.
    task_id = _fresh_backlog(database, max(args.backlog, 2 * args.rounds * len(VARIANTS) * (args.calls + 2)))
    api = InProcessApi(token)
    results: dict[str, Any] = {
        "environment": _environment(database),
        "command": "DATABASE_URL=... .venv/bin/python " + " ".join(["bench/http_profile.py", *sys.argv[1:]]),
        "config": vars(args),
        "in_process": measure_in_process(args, api, task_id, token, progress),
    }
    operations = api.operations(task_id)
    results["profile_shares"] = {}
    for name in ("task GET", "pop", "PATCH completed", "push"):
        progress.step(f"cProfile of {name}")
        if name == "PATCH completed":
            for _ in range(args.calls):
                operations["pop"]()
        results["profile_shares"][name] = profile_shares(operations[name], args.calls)
    from django.db import connection

    connection.close()
    results["floor"] = measure_floor(args, database, progress)
    return results


def print_report(results: dict[str, Any]) -> None:
    env = results["environment"]
    print(f"\nrocky_scheduler HTTP profile, {env['date']}: {env['nproc']} CPUs, load {env['loadavg_at_start'][0]:.1f}")
    cpu = results["in_process"]["cpu_ms"]
    trips = results["in_process"]["round_trips"]
    print("\nIn-process CPU ms per call (median of rounds), SQL statements + health-check SELECT 1s per call")
    print(f"  {'call':<16} " + " ".join(f"{variant:>22}" for variant in VARIANTS) + "   statements")
    for name in trips:
        cells = " ".join(f"{cpu[variant][name]:>22.3f}" for variant in VARIANTS)
        print(f"  {name:<16} {cells}   {trips[name]['statements']} + {trips[name]['health_checks']}")
    print("\ncProfile own CPU-time shares (profiler-inflated; read as proportions)")
    for name, shares in results["profile_shares"].items():
        areas = ", ".join(f"{area} {share:.0%}" for area, share in list(shares["areas"].items())[:5])
        steps = ", ".join(f"{step} {share:.0%}" for step, share in shares["steps"].items())
        print(f"  {name:<16} by area: {areas}\n  {'':<16} steps: {steps}")
    print("\nBare gunicorn (sync workers, access log, constant WSGI app) with the benchmark's clients")
    for phase in results["floor"]:
        per_request = phase["cpu_ms_per_request"]
        print(
            f"  {phase['clients']:>2} clients: {phase['requests_per_second']:6.0f} req/s; CPU ms/request: "
            f"workers {per_request['server_workers']:.3f}, clients {per_request['clients']:.3f}, "
            f"other programs {per_request['other']:.3f}"
        )
    print(f"\nRaw figures in {RESULTS_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
