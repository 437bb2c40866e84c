"""A bounded soak of the whole scheduler: pushes, pops, completions, ingestion and rescheduling at once.

Run: .venv/bin/python bench/soak.py [--minutes 5] [--shared-server]

The database runs in a PostgreSQL cluster of the soak's own with the server's defaults: the machine's
shared server has autovacuum off (conf.d/90-ci.conf, for test suites), and a queue that is never
vacuumed is not what production runs. With --shared-server, DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/rocky_scheduler_soak) is used instead; its database is dropped and
recreated. A gunicorn server (sync workers, as many as
the README deploys: 2 x cores + 1) serves the API; separate processes push at a steady rate, pop and complete
(some fail), cancel now and then, publish scan-profile mutations to RabbitMQ for a real consumer,
and run the rescheduler. The offered load is constant from the first second: API pushes and
mutations are dns-records work that does not recur within the soak, and a fixed set of nmap
schedules (--recurring, interval one minute, first deadlines spread over the first minute) is what
the rescheduler queues again and again, about --recurring tasks a minute. After
the soak the producers stop, the queue is drained, and the counts must reconcile exactly:
every task ever created is completed, failed, cancelled or still queued, every acknowledged push
exists, and no task was handed out twice. It also reports the server's memory over time and the
p99 pop latency per minute. Everything talks to 127.0.0.1 only and stops by itself.
"""

import argparse
import collections
import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.db import connect, database_from_env, recreate_database  # noqa: E402
from bench.http_server import GUNICORN_CONF  # noqa: E402
from bench.progress import Progress  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "soak.json"
PORT = 8093
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
MUTATION_QUEUE = "rocky_scheduler_soak_scan_profile_mutations"
DEAD_LETTER_QUEUE = "rocky_scheduler_soak_dead_letter"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()


class Api:
    """One keep-alive connection, as one worker process holds."""

    def __init__(self, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        try:
            self.connection.request(method, path, json.dumps(body) if body is not None else None, self.headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, None
        return response.status, json.loads(raw) if raw else None


def pusher(token: str, rate: float, seconds: float, out: Any) -> None:
    api, acked, errors = Api(token), [], collections.Counter()
    start, sent = time.monotonic(), 0
    while (now := time.monotonic()) - start < seconds:
        if sent > (now - start) * rate:
            time.sleep(0.002)
            continue
        data = {
            "boefje": {"id": "dns-records"},
            "input_ooi": f"Hostname|internet|p{uuid.uuid4().hex}.example",
            "organization": random.choice(["acme", "globex"]),
        }
        status, body = api.call(
            "POST",
            "/api/v1/schedulers/boefje/push",
            {"organisation": data["organization"], "priority": random.randint(2, 50), "data": data},
        )
        sent += 1
        if status == 201:
            acked.append(body["id"])
        else:
            errors[status] += 1
    out.put({"acked": acked, "errors": dict(errors)})


def popper(token: str, stop_at: Any, drained: Any, out: Any, seed: int) -> None:
    """Pop and report until told to stop and the queues are empty; record pop latency per second."""
    api, rng = Api(token), random.Random(seed)
    popped, latencies, errors = [], [], collections.Counter()
    while True:
        got_any = False
        for scheduler in ("boefje", "normalizer"):
            started = time.monotonic()
            status, body = api.call("POST", f"/api/v1/schedulers/{scheduler}/pop")
            latencies.append((time.time(), (time.monotonic() - started) * 1000))
            if status != 200:
                errors[f"pop {status}"] += 1
                continue
            for task in body["results"]:
                got_any = True
                popped.append(task["id"])
                final = "failed" if rng.random() < 0.05 else "completed"
                for new_status in ("running", final):
                    patched, _ = api.call("PATCH", f"/api/v1/tasks/{task['id']}", {"status": new_status})
                    if patched != 200:
                        errors[f"patch {patched}"] += 1
        if stop_at.value and time.time() > stop_at.value and drained.value:
            break
        if not got_any:
            time.sleep(0.05)
    out.put({"popped": popped, "latencies": latencies, "errors": dict(errors)})


def canceller(token: str, seconds: float, out: Any) -> None:
    api, cancelled = Api(token), 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        time.sleep(2)
        status, page = api.call("GET", "/api/v1/tasks?status=queued&scheduler_id=boefje&limit=1")
        if status == 200 and page["results"]:
            patched, _ = api.call("PATCH", f"/api/v1/tasks/{page['results'][0]['id']}", {"status": "cancelled"})
            cancelled += patched == 200
    out.put({"cancelled": cancelled})


def publisher(rate: float, seconds: float, out: Any) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    channel.queue_declare(MUTATION_QUEUE, durable=True)
    channel.confirm_delivery()
    start, sent = time.monotonic(), 0
    while (now := time.monotonic()) - start < seconds:
        if sent > (now - start) * rate:
            time.sleep(0.005)
            continue
        pk = f"Hostname|internet|m{sent}.example"
        message = {
            "operation": "create",
            "primary_key": pk,
            "client_id": "acme",
            "value": {
                "primary_key": pk,
                "object_type": "Hostname",
                "scan_profile": {"level": 1, "reference": pk, "scan_profile_type": "declared"},
            },
        }
        channel.basic_publish("", MUTATION_QUEUE, json.dumps(message), pika.BasicProperties(delivery_mode=2))
        sent += 1
    connection.close()
    out.put({"published": sent})


def consumer(seconds: float, out: Any) -> None:
    _setup_django()
    from rocky_scheduler.ingest.consumer import AmqpConsumer

    stats = AmqpConsumer(
        AMQP_URL,
        queues={MUTATION_QUEUE: "scan_profile_mutations"},
        run_seconds=seconds,
        prefetch=50,
        dead_letter_queue=DEAD_LETTER_QUEUE,
    ).run()
    out.put({"consumer": stats.__dict__ if hasattr(stats, "__dict__") else str(stats)})


def rescheduler(seconds: float, drained: Any, out: Any) -> None:
    """The cluster's periodic jobs: rescheduling during the soak, lease expiry until the drain ends."""
    _setup_django()
    from rocky_scheduler.services import task_expire_leases
    from rocky_scheduler.services.scheduling import schedule_due_push

    queued = expired = 0
    start = time.monotonic()
    while not drained.value:
        if time.monotonic() - start < seconds:
            queued += schedule_due_push().queued
        leases = task_expire_leases()
        expired += leases.requeued + leases.failed
        # Every second rather than the cluster's minute, so recurring work arrives evenly.
        time.sleep(1)
    out.put({"rescheduled": queued, "leases_expired": expired})


def _prepare(database, recurring: int) -> str:
    recreate_database(database)
    _setup_django()
    from django.core.management import call_command

    from rocky_scheduler.models import Plugin, Scheduler
    from rocky_scheduler.services.demo_seed import demo_seed

    call_command("migrate", verbosity=0)
    login = demo_seed(username="soak", password="soak-password")
    # Pushed and ingested work (dns-records) recurs only after a day; the nmap schedules every minute.
    # An earlier version let every task recur each minute, so the offered load grew all through the run.
    Plugin.objects.filter(pk="dns-records").update(interval=24 * 60)
    Plugin.objects.filter(pk="nmap").update(interval=1)
    # A short dispatch lease: a pop whose answer is lost under load comes back within the drain.
    Scheduler.objects.update(dispatch_timeout_seconds=30)
    _seed_recurring(recurring)
    return login.token


def _seed_recurring(count: int) -> None:
    """`count` nmap schedules on level-2 objects, first due spread over the soak's first minute."""
    import datetime

    from django.utils import timezone

    from rocky_scheduler.catalogue import OOIInfo, get_catalogue
    from rocky_scheduler.models import Schedule, TaskType
    from rocky_scheduler.services.scheduling.boefjes import boefje_hash, boefje_task_data

    catalogue = get_catalogue()
    plugin = catalogue.plugin("nmap")
    first = timezone.now() + datetime.timedelta(seconds=5)
    schedules = []
    for index in range(count):
        ooi = OOIInfo(
            organisation="acme",
            primary_key=f"IPAddressV4|internet|10.{index // 250}.{index % 250}.1",
            object_type="IPAddressV4",
            scan_level=2,
        )
        catalogue.record_ooi(ooi)
        schedules.append(
            Schedule(
                scheduler_id=TaskType.BOEFJE,
                organisation=ooi.organisation,
                hash=boefje_hash(plugin.id, ooi),
                data=boefje_task_data(plugin, ooi),
                deadline_at=first + datetime.timedelta(seconds=60 * index / max(count, 1)),
            )
        )
    Schedule.objects.bulk_create(schedules)


def _server_rss(server: subprocess.Popen) -> float:
    import psutil

    parent = psutil.Process(server.pid)
    return sum(child.memory_info().rss for child in parent.children()) / 2**20


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _amqp_backlog() -> int:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        return connection.channel().queue_declare(MUTATION_QUEUE, durable=True, passive=True).method.message_count
    finally:
        connection.close()


def _counts(database) -> dict[str, int]:
    connection = connect(database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM rocky_scheduler_task GROUP BY status")
        counts = dict(cursor.fetchall())
    connection.close()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--push-rate", type=float, default=30.0, help="API pushes per second")
    parser.add_argument("--mutation-rate", type=float, default=10.0, help="AMQP mutations per second")
    parser.add_argument("--recurring", type=int, default=600, help="nmap schedules recurring every minute")
    parser.add_argument("--shared-server", action="store_true", help="use DATABASE_URL, not a private cluster")
    args = parser.parse_args()
    private = None
    with Progress("soak") as progress:
        if args.shared_server:
            os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rocky_scheduler_soak")
        else:
            from tests.support.private_services import PostgresInstance

            progress.step("starting a private PostgreSQL cluster")
            private = PostgresInstance()
            # Before anything reads it: django.setup() here, and every spawned process and gunicorn inherit it.
            os.environ["DATABASE_URL"] = private.url("rocky_scheduler_soak")
        try:
            return _soak(args, progress)
        finally:
            if private is not None:
                progress.step("stopping the private PostgreSQL cluster")
                private.close()


def _soak(args: argparse.Namespace, progress: Progress) -> int:
    database = database_from_env()
    progress.step("creating the database, the catalogue and the recurring schedules")
    token = _prepare(database, args.recurring)
    seconds = args.minutes * 60

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "scheduler_project.wsgi:application",
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{PORT}",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    stop_at, drained = context.Value("d", 0.0), context.Value("b", False)
    producers = [
        context.Process(target=pusher, args=(token, args.push_rate, seconds, out)),
        context.Process(target=canceller, args=(token, seconds, out)),
        context.Process(target=publisher, args=(args.mutation_rate, seconds, out)),
    ]
    workers = [
        context.Process(target=rescheduler, args=(seconds, drained, out)),
        context.Process(target=consumer, args=(seconds + 60, out)),
        *[context.Process(target=popper, args=(token, stop_at, drained, out, seed)) for seed in range(2)],
    ]
    started = time.time()
    for process in producers + workers:
        process.start()
    progress.step(f"soak of {seconds:.0f} s")
    memory = []
    while time.time() - started < seconds:
        memory.append((round(time.time() - started), round(_server_rss(server), 1)))
        time.sleep(10)
    stop_at.value = time.time()
    results: list[dict] = []
    # Producers stop by themselves; their results are read below, before any join (a process that
    # put a large result on a queue cannot exit until it has been read).
    # Drain: the consumer finishes its queue; the poppers empty the task queues.
    progress.step("draining the queues")
    deadline = time.time() + 300
    while time.time() < deadline:
        counts = _counts(database)
        if _amqp_backlog() == 0 and not any(counts.get(status, 0) for status in ("queued", "dispatched", "running")):
            break
        time.sleep(2)
    drained.value = True
    progress.step("collecting the processes' results")
    while len(results) < len(producers) + len(workers):
        results.append(out.get(timeout=180))
    for process in producers + workers:
        process.join(timeout=120)
    server.terminate()
    server.wait(timeout=30)

    merged: dict[str, Any] = collections.defaultdict(list)
    for result in results:
        for key, value in result.items():
            merged[key].append(value)
    acked = [task_id for ids in merged["acked"] for task_id in ids]
    popped = [task_id for ids in merged["popped"] for task_id in ids]
    latencies = [sample for samples in merged["latencies"] for sample in samples]
    counts = _counts(database)
    connection = connect(database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM rocky_scheduler_task WHERE id = ANY(%s::uuid[])", [acked])
        acked_found = cursor.fetchone()[0]
    connection.close()
    connection = connect(database)
    with connection.cursor() as cursor:
        # What was offered each minute (pushes, ingestion and rescheduling together): it should be level.
        cursor.execute(
            "SELECT floor(extract(epoch FROM created_at) - %s)::int / 60, count(*) FROM rocky_scheduler_task"
            " GROUP BY 1 ORDER BY 1",
            [started],
        )
        created_per_minute = {int(minute): n for minute, n in cursor.fetchall()}
    connection.close()
    created = sum(counts.values())
    finished = sum(counts.get(status, 0) for status in ("completed", "failed", "cancelled", "queued"))
    per_minute = collections.defaultdict(list)
    for at, millis in latencies:
        per_minute[int((at - started) // 60)].append(millis)
    minutes = sorted(minute for minute in per_minute if minute * 60 < seconds)
    report = {
        "command": " ".join(sys.argv),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "nproc": os.cpu_count(),
        "server": "shared (DATABASE_URL)" if args.shared_server else "private cluster, PostgreSQL defaults",
        "loadavg_end": os.getloadavg(),
        "minutes": args.minutes,
        "counts": counts,
        "created": created,
        "reconciles": created == finished and not counts.get("dispatched") and not counts.get("running"),
        "acked_pushes": len(acked),
        "acked_pushes_found": acked_found,
        "popped": len(popped),
        "popped_twice": len(popped) - len(set(popped)),
        "errors": [e for e in merged["errors"] if e],
        "published": merged["published"],
        "rescheduled": merged["rescheduled"],
        "leases_expired": merged["leases_expired"],
        "cancelled_by_canceller": merged["cancelled"],
        "tasks_created_per_minute": created_per_minute,
        "pops_per_minute": {minute: len(per_minute[minute]) for minute in minutes},
        "server_rss_mb": memory,
        "p99_pop_ms_per_minute": {minute: round(_percentile(per_minute[minute], 0.99), 1) for minute in minutes},
        "p50_pop_ms_per_minute": {minute: round(_percentile(per_minute[minute], 0.5), 1) for minute in minutes},
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = report["reconciles"] and report["popped_twice"] == 0 and acked_found == len(acked)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
