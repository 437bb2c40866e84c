"""Read paths at scale (issue 16, point 2): p50/p95 through gunicorn, and the SQL behind each path.

Timing: the real server, started as bench/http_bench.py starts it (gunicorn as deployed: scheduler_project/
gunicorn.conf.py; DEBUG off), one client making its calls one after another on a fresh connection each, after
untimed warm-up calls so caches are warm. The SQL: a probe in this process sends the same request once through
Django's test client with `connection.execute_wrapper` capturing every statement and its time; the slowest
SELECT is the path's main SQL and gets `EXPLAIN (ANALYZE, BUFFERS)`, and every COUNT is listed, a COUNT without
WHERE over a table of the data set marked as a full-table count.
"""

import http.client
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.http_server import GunicornServer, deployed_workers

ROOT = Path(__file__).resolve().parents[1]
SERVER_LOG = ROOT / "bench" / "results" / "scale_bench_gunicorn.log"
BENCH_USER = "scale-bench"
ORGANISATION = "org-0001"
_COUNT = re.compile(r"^\s*SELECT\s+COUNT\(\*\)", re.IGNORECASE)
_TABLE = re.compile(r'FROM\s+"(rocky_scheduler_\w+)"', re.IGNORECASE)
_PLAN_NODE = re.compile(
    r"((?:Parallel )?(?:Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)?)"
    r"(?: using (\w+))?(?: on (\w+))?"
)
_BIG = (
    # The maintained counts (models/counts.py) are small, but they are what stats, queues and the dashboard read.
    "rocky_scheduler_taskcount",
    "rocky_scheduler_taskcountdelta",
    "rocky_scheduler_task",
    "rocky_scheduler_taskevent",
    "rocky_scheduler_schedule",
    "rocky_scheduler_ooi",
    "rocky_scheduler_scheduleevent",
)


@dataclass(frozen=True)
class ReadPath:
    name: str
    path: str
    staff: bool  # a staff session (dashboard, admin) rather than an API token
    target_ms: float


def read_paths(input_ooi: str) -> list[ReadPath]:
    """The issue's list; `input_ooi` is an object with recent tasks."""
    org, ooi = ORGANISATION, input_ooi.replace("|", "%7C").replace(":", "%3A").replace("/", "%2F")
    tasks, stats, schedules = "/api/v1/tasks?limit=10", "/api/v1/tasks/stats", "/api/v1/schedules?limit=10"
    api = [
        ("GET /schedulers", "/api/v1/schedulers", 20),
        ("GET /queues", "/api/v1/queues", 20),
        ("GET /queues/boefje", "/api/v1/queues/boefje", 20),
        ("GET /tasks newest", tasks, 50),
        ("GET /tasks organisation", f"{tasks}&organisation={org}", 50),
        ("GET /tasks status=failed", f"{tasks}&status=failed", 50),
        ("GET /tasks status=queued", f"{tasks}&status=queued", 50),
        ("GET /tasks scheduler_id=normalizer", f"{tasks}&scheduler_id=normalizer", 50),
        ("GET /tasks input_ooi", f"{tasks}&input_ooi={ooi}", 50),
        ("GET /tasks/stats", stats, 200),
        ("GET /tasks/stats scheduler_id", f"{stats}?scheduler_id=boefje", 200),
        ("GET /tasks/stats organisation", f"{stats}?organisation_id={org}", 200),
        ("GET /schedules organisation", f"{schedules}&organisation={org}", 50),
        ("GET /schedules scheduler+organisation", f"{schedules}&scheduler_id=boefje&organisation={org}", 50),
        ("GET /schedules enabled=false", f"{schedules}&enabled=false", 50),
    ]
    admin = [
        ("default", ""),
        ("scheduler", "?scheduler__id__exact=normalizer"),
        ("status", "?status__exact=failed"),
        ("organisation", f"?organisation={org}"),
        ("type", "?type__exact=normalizer"),
        ("search", f"?q={ooi}"),
    ]
    return [
        *(ReadPath(name, path, False, target) for name, path, target in api),
        ReadPath("dashboard data", "/dashboard/data", True, 300),
        *(ReadPath(f"admin tasks {name}", f"/admin/rocky_scheduler/task/{query}", True, 1000) for name, query in admin),
    ]


# --- Credentials --------------------------------------------------------------------------------------------------


def credentials() -> tuple[str, Any]:
    """An API token and a logged-in test client of one superuser (made on first use)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from rocky_scheduler.models import ApiToken
    from rocky_scheduler.services.tokens import token_issue

    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    ApiToken.objects.filter(user=user).delete()
    token = token_issue(user=user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return token, client


def recent_input_ooi() -> str:
    from rocky_scheduler.models import Task

    return (
        Task.objects.filter(type="boefje", status="completed")
        .order_by("-created_at")
        .values_list("data__input_ooi", flat=True)[0]
    )


# --- The probe: which SQL a path runs -----------------------------------------------------------------------------


@dataclass
class Captured:
    sql: str
    params: Any
    ms: float


def capture(request: Callable[[], Any]) -> tuple[Any, list[Captured]]:
    from django.db import connection

    captured: list[Captured] = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append(Captured(sql, params, (time.perf_counter() - started) * 1000))

    with connection.execute_wrapper(wrapper):
        response = request()
    return response, captured


def _is_full_count(query: Captured) -> bool:
    # A COUNT over `(SELECT ... LIMIT n)` (rocky_scheduler.counting's bounded count) reads at most n rows.
    tables = _TABLE.findall(query.sql)
    sql = query.sql.upper()
    return (
        bool(_COUNT.match(query.sql))
        and " WHERE " not in sql
        and " LIMIT " not in sql
        and any(t in _BIG for t in tables)
    )


def explain(query: Captured) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query.sql}", query.params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_nodes(plan: str) -> list[str]:
    """The scans of a plan, in order, each once ("Seq Scan on rocky_scheduler_task", ...)."""
    seen: list[str] = []
    for kind, index, table in _PLAN_NODE.findall(plan):
        node = f"{kind} {'using ' + index if index else 'on ' + table}".strip()
        if node not in seen:
            seen.append(node)
    return seen


def probe(path: ReadPath, *, token: str, staff_client: Any) -> dict[str, Any]:
    from django.test import Client

    client = staff_client if path.staff else Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    client.get(path.path)  # warm
    response, captured = capture(lambda: client.get(path.path))
    # Statements on the data set's tables; the session, user and small catalogue look-ups are not the question.
    on_big = [
        query
        for query in captured
        if query.sql.lstrip().upper().startswith(("SELECT", "WITH")) and set(_TABLE.findall(query.sql)) & set(_BIG)
    ]
    explained = [{"sql": query.sql, "ms": round(query.ms, 2), "explain": explain(query)} for query in on_big]
    main = max(explained, key=lambda query: query["ms"]) if explained else {"sql": "", "ms": 0.0, "explain": ""}
    counts = [
        {"sql": query.sql[:300], "ms": round(query.ms, 2), "full_table": _is_full_count(query)}
        for query in captured
        if _COUNT.match(query.sql)
    ]
    return {
        "status": response.status_code,
        "queries": len(captured),
        "sql_ms_total": round(sum(query.ms for query in captured), 2),
        "main_sql": main["sql"],
        "main_sql_ms": main["ms"],
        "explain": main["explain"],
        "plan_nodes": plan_nodes(main["explain"]),
        "statements_on_data_set": explained,
        "counts": counts,
        "full_table_count": any(count["full_table"] for count in counts),
    }


# --- Timing through gunicorn ----------------------------------------------------------------------------------------


def _call(port: int, path: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def time_path(port: int, path: ReadPath, headers: dict[str, str], *, calls: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        _call(port, path.path, headers)
    results = [_call(port, path.path, headers) for _ in range(calls)]
    times = [ms for _, ms in results]
    statuses = sorted({status for status, _ in results})
    return {
        "calls": calls,
        "statuses": statuses,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
    }


def run_read(database, *, calls: int, warmup: int, only: list[str] | None = None) -> dict[str, Any]:
    """Time every read path, or those whose name contains one of `only` (a re-run of the ones a change touched)."""
    import os

    from django.db import connection

    token, staff_client = credentials()
    paths = read_paths(recent_input_ooi())
    if only:
        paths = [path for path in paths if any(part in path.name for part in only)]
    probes = {}
    for path in paths:
        probes[path.name] = probe(path, token=token, staff_client=staff_client)
        print(f"probed {path.name}: {probes[path.name]['queries']} queries", flush=True)
    session = staff_client.cookies["sessionid"].value
    connection.close()
    workers = deployed_workers()
    server = GunicornServer(workers=workers, database_url=os.environ["DATABASE_URL"], log_path=SERVER_LOG)
    rows = []
    # Issue 16 point 8: each worker's resident memory when it is ready and after every path.
    rss = [{"after": "start", "worker_rss_mb": server.worker_rss_mb()}]
    try:
        for path in paths:
            headers = {"Cookie": f"sessionid={session}"} if path.staff else {"Authorization": f"Token {token}"}
            timing = time_path(server.port, path, headers, calls=calls, warmup=warmup)
            rows.append(
                {"name": path.name, "path": path.path, "target_ms": path.target_ms, **timing, **probes[path.name]}
            )
            rss.append({"after": path.name, "worker_rss_mb": server.worker_rss_mb()})
            print(f"timed {path.name}: p50 {timing['p50_ms']} ms, p95 {timing['p95_ms']} ms", flush=True)
    finally:
        server.stop()
    return {
        "server": f"gunicorn {server.config.label}, DEBUG off",
        "client": "one client, calls one after another, a new connection each",
        "calls": calls,
        "warmup": warmup,
        "paths": rows,
        "worker_rss": rss,
        "memory": memory_growth(rss),
    }


def memory_growth(samples: list[dict[str, Any]]) -> dict[str, float]:
    """Per worker, its RSS after the first path it served against the last sample (the first call of a path loads
    code and fills caches once; what matters is whether the reads keep growing), and the largest RSS seen."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    started: dict[int, float] = {}
    for sample in samples:
        for pid, mb in sample["worker_rss_mb"].items():
            if sample["after"] == "start":
                started[pid] = mb
                continue
            first.setdefault(pid, mb)
            last[pid] = mb
    growth = [last[pid] - first[pid] for pid in last]
    return {
        "workers": len(last),
        "start_max_mb": round(max(started.values(), default=0.0), 1),
        "after_first_path_max_mb": round(max(first.values(), default=0.0), 1),
        "end_max_mb": round(max(last.values(), default=0.0), 1),
        "largest_growth_mb": round(max(growth, default=0.0), 1),
    }


def execution_ms(plan: str) -> float | None:
    match = re.search(r"Execution Time: ([0-9.]+) ms", plan)
    return float(match.group(1)) if match else None


def explain_markdown(read: dict[str, Any]) -> str:
    """Each path's main SQL and its plan, for docs/benchmarks/scale.md."""
    parts = []
    for row in read["paths"]:
        if row["explain"]:
            parts += [f"#### {row['name']}", "", "```sql", row["main_sql"], "```", "", "```", row["explain"], "```", ""]
    return "\n".join(parts)


def read_markdown(read: dict[str, Any]) -> str:
    lines = [
        f"Read paths: {read['server']}; {read['client']}; p50/p95 of {read['calls']} calls after {read['warmup']}"
        " warm-up calls. Main SQL: the slowest statement of one call, its time under EXPLAIN ANALYZE's run.",
        "",
        "| read path | p50 ms | p95 ms | target ms | meets | full-table COUNT | queries | main SQL ms (EXPLAIN)"
        " | scans |",
        "|---|---:|---:|---:|---|---|---:|---:|---|",
    ]
    for row in read["paths"]:
        meets = "yes" if row["p95_ms"] <= row["target_ms"] and not row["full_table_count"] else "**no**"
        scans = "; ".join(row["plan_nodes"])
        lines.append(
            f"| {row['name']} | {row['p50_ms']} | {row['p95_ms']} | {row['target_ms']:g} | {meets} | "
            f"{'yes' if row['full_table_count'] else 'no'} | {row['queries']} | {row['main_sql_ms']} "
            f"({execution_ms(row['explain'])}) | {scans} |"
        )
    memory = read.get("memory")
    if memory:
        lines += [
            "",
            f"Worker memory (RSS, {memory['workers']} workers): {memory['start_max_mb']} MB at most when ready, "
            f"{memory['after_first_path_max_mb']} MB after the first path, {memory['end_max_mb']} MB after the last;"
            f" largest growth of one worker from the first path to the last {memory['largest_growth_mb']} MB.",
        ]
    bad = [row["name"] for row in read["paths"] if row["statuses"] != [200]]
    if bad:
        lines += ["", f"Not all 200: {', '.join(bad)}"]
    return "\n".join(lines)
