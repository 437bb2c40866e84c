"""Ingestion benchmark: scan-profile mutations from RabbitMQ to queued tasks, through one consumer process.

1. Throughput: 20,000 mutations (Hostname, scan level 1: one dns-records task each) are waiting in
   `scan_profile_mutations`; one consumer process (`manage.py ingest`, the consumer django-q2 runs,
   default prefetch) starts; messages/s from the consumer attaching to the last task queued.
2. Latency: a steady 100 messages/s for 30 s into the idle consumer; publish-to-queued latency per
   message (the task's created_at, stamped in the transaction that queues it, minus the publish time).
3. Storm (`--storm N`, instead of 1 and 2): the consumer is attached and idle; N mutations are published
   at once, as fast as one publisher can; messages/s from the first publish to the last task queued,
   and publish-to-queued latency per message (p50/p95/max). Issue 16 point 4: >= 1,000 messages/s at
   N = 100,000.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_ingest_bench \\
     .venv/bin/python bench/ingest_bench.py
The database named in DATABASE_URL is dropped and recreated, migrated and seeded with the demo
catalogue. The queues live in a virtual host of their own (created with rabbitmqctl, deleted after),
so OpenKAT's real queue names are used without meeting anyone else's messages; or pass --amqp-url.
Prints the figures and writes them to bench/results/ingest_bench.json.
"""

import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pika  # noqa: E402
import psycopg2  # noqa: E402

from bench.db import Database, connect, database_from_env, recreate_database, server_version  # noqa: E402
from bench.progress import Progress  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "ingest_bench.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rocky_scheduler_ingest_bench"
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"
QUEUE = "scan_profile_mutations"
VHOST = "rocky_scheduler_ingest_bench"
TARGET_P95_SECONDS = 5.0
DEADLINE_SECONDS = 600.0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000, help="mutations in the throughput run")
    parser.add_argument("--rates", default="100,50", help="messages/s of the latency runs (the first is the target)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the latency run")
    parser.add_argument("--storm", type=int, default=0, help="run only the storm, with this many mutations")
    parser.add_argument("--vhost", default=VHOST, help="the throw-away RabbitMQ vhost (one per concurrent run)")
    parser.add_argument("--amqp-url", default=None, help="use this broker/vhost as is (default: a fresh vhost)")
    return parser.parse_args()


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, check=True).stdout


def _fresh_vhost(vhost: str) -> str:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, check=False)
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    return DEFAULT_BROKER_URL + urllib.parse.quote(vhost, safe="")


def _mutation(organisation: str) -> dict[str, Any]:
    primary_key = f"Hostname|internet|{uuid.uuid4().hex[:16]}.example.com"
    return {
        "operation": "create",
        "primary_key": primary_key,
        "value": {
            "object_type": "Hostname",
            "primary_key": primary_key,
            "scan_profile": {"scan_profile_type": "declared", "reference": primary_key, "level": 1, "user_id": None},
        },
        "client_id": organisation,
    }


class Publisher:
    """Publishes as Octopoes does: the queue declared durable with no arguments, persistent messages."""

    def __init__(self, url: str) -> None:
        parameters = pika.URLParameters(url)
        # The publisher sits idle for minutes while the consumer drains; without heartbeats nobody drops it.
        parameters.heartbeat = 0
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.channel.queue_declare(queue=QUEUE, durable=True)
        self.channel.confirm_delivery()
        self.properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)

    def publish(self, message: dict[str, Any], *, channel: Any = None) -> float:
        published_at = time.time()
        body = json.dumps(message).encode()
        channel = channel or self.channel
        channel.basic_publish(exchange="", routing_key=QUEUE, body=body, properties=self.properties)
        return published_at

    def unconfirmed_channel(self) -> Any:
        """A channel without publisher confirms: a storm is published as fast as the client can send."""
        return self.connection.channel()

    def consumers(self) -> int:
        return self.channel.queue_declare(queue=QUEUE, durable=True, passive=True).method.consumer_count

    def close(self) -> None:
        self.connection.close()


def _manage(*args: str, env: dict[str, str], **popen: Any) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, **popen)


def _queued_tasks(database: Database) -> int:
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM rocky_scheduler_task WHERE status = 'queued'")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _wait(condition, *, what: str, interval: float = 0.02) -> float:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {DEADLINE_SECONDS} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), to tell CPU-bound from waiting."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def publish_backlog(publisher: Publisher, count: int, progress: Progress) -> float:
    progress.step(f"publishing {count:,} mutations", total=count)
    started = time.monotonic()
    for index in range(count):
        publisher.publish(_mutation("acme" if index % 2 else "globex"))
        progress.done = index + 1
    return time.monotonic() - started


def bench_throughput(
    database: Database, publisher: Publisher, consumer: subprocess.Popen, count: int, progress: Progress
) -> dict:
    progress.step("waiting for the consumer to attach")
    attached_at = _wait(lambda: publisher.consumers() >= 1, what="the consumer to attach")
    cpu_before = _cpu_seconds(consumer.pid)
    progress.step("consumer draining, tasks queued", total=count)

    def all_queued() -> bool:
        # The benchmark polls this count anyway; the progress line shows the latest.
        progress.done = _queued_tasks(database)
        return progress.done >= count

    done_at = _wait(all_queued, what=f"{count} queued tasks", interval=0.1)
    elapsed = done_at - attached_at
    cpu = _cpu_seconds(consumer.pid) - cpu_before
    return {
        "messages": count,
        "drain_seconds": round(elapsed, 2),
        "messages_per_second": round(count / elapsed, 1),
        "consumer_cpu_ms_per_message": round(cpu / count * 1000, 2),
        "consumer_cpu_share": round(cpu / elapsed, 2),
    }


def bench_latency(
    database: Database, publisher: Publisher, progress: Progress, *, rate: float, seconds: float
) -> dict[str, Any]:
    count = int(rate * seconds)
    progress.step(f"latency run at {rate:.0f} messages/s, published", total=count)
    published: dict[str, float] = {}
    start = time.monotonic()
    for index in range(count):
        # A fixed schedule (not "sleep 1/rate after each"), so publishing overhead does not lower the rate.
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        message = _mutation("acme" if index % 2 else "globex")
        published[message["primary_key"]] = publisher.publish(message)
        progress.done = index + 1
    publish_seconds = time.monotonic() - start
    connection = connect(database)
    try:

        def all_queued() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM rocky_scheduler_task WHERE data->>'input_ooi' = ANY(%s)", [list(published)]
                )
                return cursor.fetchone()[0] >= count

        progress.step("waiting for the latency run's tasks")
        _wait(all_queued, what="the latency run's tasks", interval=0.2)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data->>'input_ooi', extract(epoch FROM created_at)::float8 FROM rocky_scheduler_task "
                "WHERE data->>'input_ooi' = ANY(%s)",
                [list(published)],
            )
            latencies = sorted(created - published[ooi] for ooi, created in cursor.fetchall())
    finally:
        connection.close()
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "messages": count,
        "target_rate": rate,
        "achieved_rate": round(count / publish_seconds, 1),
        "p50_seconds": round(quantiles[49], 3),
        "p95_seconds": round(quantiles[94], 3),
        "p99_seconds": round(quantiles[98], 3),
        "max_seconds": round(latencies[-1], 3),
        "target_p95_seconds": TARGET_P95_SECONDS,
    }


def _latencies(database: Database, published: dict[str, float]) -> list[tuple[float, float]]:
    """(publish time, task created_at) per message, from the tasks queued for the published objects."""
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data->>'input_ooi', extract(epoch FROM created_at)::float8 FROM rocky_scheduler_task "
                "WHERE data->>'input_ooi' = ANY(%s)",
                [list(published)],
            )
            return [(published[ooi], created) for ooi, created in cursor.fetchall()]
    finally:
        connection.close()


def bench_storm(
    database: Database, publisher: Publisher, consumer: subprocess.Popen, count: int, progress: Progress
) -> dict[str, Any]:
    progress.step("waiting for the consumer to attach")
    _wait(lambda: publisher.consumers() >= 1, what="the consumer to attach")
    cpu_before = _cpu_seconds(consumer.pid)
    progress.step(f"storm: publishing {count:,} mutations at once", total=count)
    channel = publisher.unconfirmed_channel()
    published: dict[str, float] = {}
    for index in range(count):
        message = _mutation("acme" if index % 2 else "globex")
        published[message["primary_key"]] = publisher.publish(message, channel=channel)
        progress.done = index + 1
    publish_seconds = time.time() - min(published.values())
    progress.step("storm: tasks queued", total=count)

    def all_queued() -> bool:
        progress.done = _queued_tasks(database)
        return progress.done >= count

    _wait(all_queued, what=f"{count} queued tasks", interval=0.25)
    cpu = _cpu_seconds(consumer.pid) - cpu_before
    pairs = _latencies(database, published)
    first_published = min(published.values())
    elapsed = max(created for _, created in pairs) - first_published
    latencies = sorted(created - published_at for published_at, created in pairs)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "messages": count,
        "publish_seconds": round(publish_seconds, 2),
        "seconds": round(elapsed, 2),
        "messages_per_second": round(count / elapsed, 1),
        "consumer_cpu_ms_per_message": round(cpu / count * 1000, 2),
        "p50_seconds": round(quantiles[49], 3),
        "p95_seconds": round(quantiles[94], 3),
        "max_seconds": round(latencies[-1], 3),
        "target_messages_per_second": 1000,
    }


def _environment(database: Database) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    rabbitmq = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True, text=True, check=False)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": commit.stdout.strip(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "postgresql": server_version(database),
        "rabbitmq": rabbitmq.stdout.strip() or None,
    }


def main() -> None:
    with Progress("ingest bench") as progress:
        run(_parse_args(), progress)


def run(args: argparse.Namespace, progress: Progress) -> None:
    """Throughput, then latency at each rate; a progress line at least every 10 s (bench/progress.py)."""
    rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    database = database_from_env()
    progress.step("creating the database, migrating, seeding the demo catalogue")
    recreate_database(database)
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "scheduler_project.settings", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)

    own_vhost = args.amqp_url is None
    amqp_url = args.amqp_url or _fresh_vhost(args.vhost)
    env["AMQP_URL"] = amqp_url
    environment = _environment(database)
    command = " ".join(["DATABASE_URL=" + os.environ["DATABASE_URL"], ".venv/bin/python", "bench/ingest_bench.py"])
    command = f"{command} {' '.join(sys.argv[1:])}".rstrip()
    print(f"machine: {environment['nproc']} cores, {environment['cpu']}, load {environment['load_average_at_start']}")
    print(f"PostgreSQL {environment['postgresql']}, RabbitMQ {environment['rabbitmq']}, Python {environment['python']}")
    print(f"command: {command}")

    publisher = Publisher(amqp_url)
    consumer: subprocess.Popen | None = None
    results: dict[str, Any] = {"environment": environment, "command": command, "latency": []}
    try:
        # One consumer process, as the README's default set-up runs (the same consumer django-q2 starts).
        if args.storm:
            consumer = _manage("ingest", "--seconds", "0", env=env, stdout=subprocess.PIPE, text=True)
            storm = results["storm"] = bench_storm(database, publisher, consumer, args.storm, progress)
            print(
                f"storm: {storm['messages']} mutations published in {storm['publish_seconds']} s, all queued "
                f"{storm['seconds']} s after the first publish = {storm['messages_per_second']} messages/s "
                f"(target 1000); publish->queued p50 {storm['p50_seconds']} s, p95 {storm['p95_seconds']} s, "
                f"max {storm['max_seconds']} s; consumer CPU {storm['consumer_cpu_ms_per_message']} ms/message"
            )
        else:
            started: list[subprocess.Popen] = []
            try:
                _throughput_and_latency(args, rates, database, publisher, env, results, progress, started)
            finally:
                consumer = started[0] if started else None
    finally:
        # The consumer first: left running, it would reconnect to the next run's vhost of the same name.
        progress.step("stopping the consumer")
        if consumer is not None:
            consumer.send_signal(signal.SIGTERM)
            try:
                print(f"consumer stats: {consumer.communicate(timeout=60)[0].strip()}")
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait()
        if publisher.connection.is_open:
            publisher.close()
        if own_vhost:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", args.vhost], capture_output=True, check=False)
    results["environment"]["load_average_at_end"] = os.getloadavg()
    print(f"load average at the end: {results['environment']['load_average_at_end']}")
    RESULTS_PATH.parent.mkdir(exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS_PATH.relative_to(ROOT)}")


def _throughput_and_latency(
    args: argparse.Namespace,
    rates: list[float],
    database: Database,
    publisher: Publisher,
    env: dict[str, str],
    results: dict[str, Any],
    progress: Progress,
    started: list[subprocess.Popen],
) -> None:
    publish_seconds = publish_backlog(publisher, args.messages, progress)
    consumer = _manage("ingest", "--seconds", "0", env=env, stdout=subprocess.PIPE, text=True)
    started.append(consumer)
    throughput = results["throughput"] = {
        "publish_seconds": round(publish_seconds, 2),
        **bench_throughput(database, publisher, consumer, args.messages, progress),
    }
    print(
        f"throughput: {throughput['messages']} mutations in {throughput['drain_seconds']} s = "
        f"{throughput['messages_per_second']} messages/s; consumer CPU "
        f"{throughput['consumer_cpu_ms_per_message']} ms/message ({throughput['consumer_cpu_share']} of a core)"
    )
    for rate in rates:
        latency = bench_latency(database, publisher, progress, rate=rate, seconds=args.seconds)
        results["latency"].append(latency)
        print(
            f"latency at {latency['achieved_rate']} messages/s for {args.seconds:.0f} s: "
            f"p50 {latency['p50_seconds']} s, p95 {latency['p95_seconds']} s, p99 {latency['p99_seconds']} s, "
            f"max {latency['max_seconds']} s (target p95 < {TARGET_P95_SECONDS} s at 100 messages/s)"
        )


if __name__ == "__main__":
    try:
        main()
    except psycopg2.OperationalError as error:
        raise SystemExit(f"PostgreSQL: {error}") from None
