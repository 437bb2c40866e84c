"""Rescheduling at scale (issue 16, point 3): N schedules falling due together, queued by `schedule_due_push`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rb_x python -m bench.reschedule_bench --schedules 200000

Builds, by SQL (`generate_series`), N due boefje schedules with their objects in the embedded catalogue
(organisations round-robin, 20 boefjes enabled everywhere, each object at level 2), then times one rescheduling
run. Meanwhile a probe process pushes and pops one task at a time; its p99 is compared with the same probe's
p99 measured just before the run (idle). Each batch's transaction time (its locks) is taken from the batch
object the service flushes at its end. The same script runs against older code (a checkout of main): only
`schedule_due_push` and `task_push`/`task_pop` are used.
"""

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.db import connect, database_from_env, load_backlog, recreate_database
from bench.progress import Progress

BOEFJES = 20
ORGANISATIONS = 200

_CATALOGUE = [
    """INSERT INTO rocky_scheduler_organisation (code, name)
       SELECT 'org-' || lpad(g::text, 4, '0'), 'Organisation ' || g FROM generate_series(1, %(organisations)s) AS g""",
    """INSERT INTO rocky_scheduler_plugin (id, type, name, version, oci_image, description, scan_level, consumes,
                                           produces, interval, cron, run_on)
       SELECT 'boefje-' || g, 'boefje', 'boefje-' || g, '', '', '', 1, '["Hostname"]', '[]', 1440, NULL, NULL
         FROM generate_series(0, %(boefjes)s - 1) AS g""",
    """INSERT INTO rocky_scheduler_pluginenablement (organisation_id, plugin_id, enabled, modified_at)
       SELECT o.id, p.id, true, now() FROM rocky_scheduler_organisation AS o CROSS JOIN rocky_scheduler_plugin AS p""",
]
# Schedule i: the object host<i> of organisation (i % organisations) and boefje (i % 20); hash as taskdata makes it.
_ORG = "('org-' || lpad((i %% %(organisations)s + 1)::text, 4, '0'))"
_PK = "('Hostname|internet|host' || i || '.example.nl')"
_PLUGIN = "('boefje-' || (i %% %(boefjes)s))"
_OOIS = f"""
    INSERT INTO rocky_scheduler_ooi (organisation_id, primary_key, object_type, scan_level, scan_profile_type,
                                     modified_at)
    SELECT o.id, {_PK}, 'Hostname', 2, 'declared', now()
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i JOIN rocky_scheduler_organisation AS o
        ON o.code = {_ORG}
"""
_SCHEDULES = f"""
    INSERT INTO rocky_scheduler_schedule (id, scheduler_id, organisation, hash, data, enabled, schedule, deadline_at,
                                          interval, descheduled_at, descheduled_by_raw_file, created_at, modified_at)
    SELECT md5('schedule-' || i)::uuid, 'boefje', {_ORG}, md5({_PK} || '-' || {_PLUGIN} || '-' || {_ORG}),
           jsonb_build_object('boefje', jsonb_build_object('id', {_PLUGIN}, 'name', {_PLUGIN}, 'version', NULL,
                              'oci_image', NULL), 'input_ooi', {_PK}, 'organization', {_ORG}),
           true, NULL, now() - interval '1 day' + i * interval '1 millisecond', interval '1 day', NULL, '', now(), now()
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
"""
CHUNK = 100_000


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schedules", type=int, default=200_000)
    parser.add_argument("--idle-seconds", type=float, default=15.0, help="probe before the run (idle p99)")
    parser.add_argument("--label", default="", help="names the results file (e.g. main)")
    parser.add_argument("--backlog", type=int, default=0, help="queued tasks already there (analyzed)")
    parser.add_argument("--batch-size", type=int, default=None, help="schedules per batch (default: the setting)")
    parser.add_argument("--probe", help=argparse.SUPPRESS)  # internal: run as the probe, until this file exists
    return parser.parse_args()


def _setup_django() -> None:
    os.environ["DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "scheduler_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def build(database, progress: Progress, schedules: int) -> float:
    started = time.monotonic()
    params = {"organisations": min(ORGANISATIONS, max(1, schedules // 1000)), "boefjes": BOEFJES}
    connection = connect(database)
    with connection.cursor() as cursor:
        for statement in _CATALOGUE:
            cursor.execute(statement, params)
        progress.step("objects and schedules", total=schedules)
        for first in range(0, schedules, CHUNK):
            chunk = {**params, "first": first, "last": min(schedules, first + CHUNK) - 1}
            cursor.execute(_OOIS, chunk)
            cursor.execute(_SCHEDULES, chunk)
            progress.done = chunk["last"] + 1
        cursor.execute("ANALYZE")
    connection.close()
    return time.monotonic() - started


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def probe(stop_file: str) -> None:
    """Push one task, pop one task, repeat until `stop_file` exists; print the latencies (ms) as JSON."""
    from rocky_scheduler.services import task_pop, task_push

    push, pop, i = [], [], 0
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + 1800
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        i += 1
        data = {
            "boefje": {"id": "boefje-0"},
            "input_ooi": f"Hostname|internet|probe{os.getpid()}-{i}",
            "organization": "org-0001",
        }
        began = time.perf_counter()
        task_push(scheduler_id="boefje", organisation="org-0001", data=data)
        pushed = time.perf_counter()
        task_pop(scheduler_id="boefje", limit=1)
        push.append((pushed - began) * 1000)
        pop.append((time.perf_counter() - pushed) * 1000)
        time.sleep(0.01)
    print(json.dumps({"push": push, "pop": pop}))


class Probe:
    def __init__(self, label: str) -> None:
        self.stop_file = os.path.join(tempfile.mkdtemp(prefix="reschedule_bench_"), f"stop_{label}")
        command = [sys.executable, "-m", "bench.reschedule_bench", "--probe", self.stop_file]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        # Django's start-up is no part of what the probe measures.
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def stop(self) -> dict[str, Any]:
        Path(self.stop_file).touch()
        out, _ = self.process.communicate(timeout=120)
        samples = json.loads(out.strip().splitlines()[-1])
        return {
            name: {"count": len(values), "p50_ms": _percentile(values, 0.5), "p99_ms": _percentile(values, 0.99)}
            for name, values in samples.items()
        }


def _batch_timer() -> list[float]:
    """Seconds from each batch object's creation (locks just taken) to the end of its flush (commit follows)."""
    from rocky_scheduler.services.scheduling import rescheduling

    timings: list[float] = []
    batch_class = getattr(rescheduling, "Batch", None) or rescheduling._Batch
    init, flush = batch_class.__init__, batch_class.flush

    def timed_init(self, *args, **kwargs):
        self._bench_started = time.perf_counter()
        init(self, *args, **kwargs)

    def timed_flush(self):
        flush(self)
        if self.events or self.cleared or getattr(self, "queued", 0):
            timings.append(time.perf_counter() - self._bench_started)

    batch_class.__init__, batch_class.flush = timed_init, timed_flush
    return timings


def run(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    database = database_from_env()
    progress.step("database")
    recreate_database(database)
    _setup_django()
    build_seconds = build(database, progress, args.schedules)
    if args.backlog:
        # A queue already holding work, with the planner's statistics of it (a deployment's task table is never
        # new): without them the pop's plans were made for an empty table and cost 200 ms each afterwards.
        progress.step(f"backlog of {args.backlog:,} queued")
        load_backlog(database, args.backlog)
        connection_ = connect(database)
        with connection_.cursor() as cursor:
            cursor.execute("ANALYZE rocky_scheduler_task")
        connection_.close()
    from django.db import connection

    from rocky_scheduler.models import Task, TaskStatus
    from rocky_scheduler.services.scheduling import schedule_due_push

    progress.step(f"idle probe before the run {args.idle_seconds:.0f} s")
    idle = Probe("idle")
    time.sleep(args.idle_seconds)
    idle_figures = idle.stop()
    timings = _batch_timer()
    busy = Probe("busy")
    time.sleep(2)
    progress.step("rescheduling run (batches done)", count=lambda: len(timings))
    load_before = os.getloadavg()
    started = time.monotonic()
    # The whole set in one run (the job itself stops at RESCHEDULE_RUN_SECONDS); older code has no such stop.
    whole = {"run_seconds": 3600} if "run_seconds" in inspect.signature(schedule_due_push).parameters else {}
    result = schedule_due_push(batch_size=args.batch_size, **whole)
    seconds = time.monotonic() - started
    load_after = os.getloadavg()
    busy_figures = busy.stop()
    # Idle again, now with the run's tasks in the queue: pops then work on a queue of that size.
    progress.step(f"idle probe after the run {args.idle_seconds:.0f} s")
    after = Probe("after")
    time.sleep(args.idle_seconds)
    after_figures = after.stop()
    queued = Task.objects.filter(status__in=[TaskStatus.QUEUED, TaskStatus.DISPATCHED]).count()
    connection.close()
    return {
        "schedules": args.schedules,
        "batch_size": args.batch_size,
        "backlog": args.backlog,
        "build_seconds": round(build_seconds, 1),
        "run_seconds": round(seconds, 2),
        "result": vars(result),
        "schedules_per_second": round(result.queued / seconds) if seconds else None,
        "tasks_in_queue_or_popped": queued,
        "batches": len(timings),
        "longest_batch_seconds": round(max(timings, default=0.0), 3),
        "median_batch_seconds": round(_percentile(timings, 0.5), 3),
        "idle": idle_figures,
        "during": busy_figures,
        "idle_after": after_figures,
        "push_p99_ratio": round(busy_figures["push"]["p99_ms"] / idle_figures["push"]["p99_ms"], 2),
        "pop_p99_ratio": round(busy_figures["pop"]["p99_ms"] / idle_figures["pop"]["p99_ms"], 2),
        "pop_p99_ratio_to_idle_after": round(busy_figures["pop"]["p99_ms"] / after_figures["pop"]["p99_ms"], 2),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }


def main() -> int:
    args = _parse_args()
    if args.probe:
        os.environ["DEBUG"] = "0"
        os.environ["DJANGO_SETTINGS_MODULE"] = "scheduler_project.settings"
        import django

        django.setup()
        probe(args.probe)
        return 0
    with Progress("reschedule bench") as progress:
        results = run(args, progress)
    name = f"reschedule_{args.label or 'run'}_{args.schedules}{'_b' + str(args.batch_size) if args.batch_size else ''}"
    out = Path(__file__).resolve().parent / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
