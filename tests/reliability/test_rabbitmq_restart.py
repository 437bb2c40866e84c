"""RabbitMQ restarts mid-stream under a running AmqpConsumer: one task per mutation, none lost, none doubled.

A RabbitMQ node of the test's own (never the shared one) carries OpenKAT's real queue names. The
publishing side does what Octopoes must for this guarantee: durable queue, persistent messages,
publisher confirms, and a publish retried on a new connection when its confirm never came. Half
the mutations are published; the broker is stopped (a clean shutdown) while the consumer is busy
and messages still wait in the queue; the rest is published while it is down and coming back.
"""

import json
import threading
import time

import pika
import pytest
from django.db.models import Count
from pika.exceptions import AMQPError

from rocky_scheduler.hashing import digest
from rocky_scheduler.ingest.consumer import AmqpConsumer
from rocky_scheduler.models import Task
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS
from tests.ingest.broker import ConsumerThread, wait_until
from tests.ingest.payloads import hostname, mutation
from tests.support.private_services import RabbitNode

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

MUTATIONS = 1_000
STOP_AFTER_PROCESSED = 100
DEAD_LETTER = "rocky_scheduler.dead_letter"
PUBLISH_SECONDS = 90.0


@pytest.fixture
def node():
    node = RabbitNode()
    yield node
    node.close()


class ConfirmingPublisher:
    """Publish as OpenKAT must to survive a broker restart: persistent messages, confirms, retry on a new connection.

    A publish whose confirm did not arrive (the connection died) is sent again once the broker is
    back: the first copy may or may not have been stored, so the consumer may see it twice; the
    scheduler's hash dedup has to make that harmless.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection: pika.BlockingConnection | None = None
        self.channel = None
        self.resent = 0
        self.failed_attempts = 0

    def _open(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.channel.queue_declare(queue=SCAN_PROFILE_MUTATIONS, durable=True)

    def publish(self, body: bytes) -> None:
        deadline = time.monotonic() + PUBLISH_SECONDS
        first_try = True
        while True:
            try:
                if self.connection is None or not self.connection.is_open:
                    self._open()
                self.channel.basic_publish(
                    exchange="",
                    routing_key=SCAN_PROFILE_MUTATIONS,
                    body=body,
                    properties=pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent),
                    mandatory=True,
                )
                return
            except (AMQPError, OSError):
                self.failed_attempts += 1
                if first_try:
                    self.resent += 1
                    first_try = False
                self.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # reconnect backoff while the broker is away

    def ready(self) -> int:
        """Messages waiting in the queue, asked on a connection of its own (ours may sit idle past heartbeats)."""
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            declared = connection.channel().queue_declare(queue=SCAN_PROFILE_MUTATIONS, durable=True, passive=True)
            return declared.method.message_count
        finally:
            connection.close()

    def close(self) -> None:
        if self.connection is not None and self.connection.is_open:
            try:
                self.connection.close()
            except (AMQPError, OSError):
                pass
        self.connection = None


def test_broker_restart_mid_stream_gives_one_task_per_mutation(node):
    demo_seed(username="demo", password="demo-pw")
    messages = [mutation(primary_key=hostname(), level=1) for _ in range(MUTATIONS)]
    expected = {digest(f"{m['primary_key']}-dns-records-acme") for m in messages}
    bodies = [json.dumps(m).encode() for m in messages]

    publisher = ConfirmingPublisher(node.url)
    first_half, second_half = bodies[: MUTATIONS // 2], bodies[MUTATIONS // 2 :]
    for body in first_half:
        publisher.publish(body)
    consumer = ConsumerThread(
        AmqpConsumer(
            node.url,
            queues=[SCAN_PROFILE_MUTATIONS],
            run_seconds=300,
            prefetch=50,
            dead_letter_queue=DEAD_LETTER,
            connection_name="rocky_scheduler reliability test",
        )
    ).__enter__()
    try:
        consumer.wait_handled(STOP_AFTER_PROCESSED)
        waiting_at_stop = publisher.ready()
        processed_at_stop = consumer.stats.processed
        stopped_at = time.monotonic()
        node.stop()

        # The rest is published while the broker is down and coming back: the publisher waits it out.
        rest = threading.Thread(target=lambda: [publisher.publish(body) for body in second_half], daemon=True)
        rest.start()
        node.start()
        started_at = time.monotonic()
        rest.join(timeout=PUBLISH_SECONDS + 30)
        assert not rest.is_alive(), "the publisher did not get the second half through"

        wait_until(lambda: Task.objects.count() >= MUTATIONS, timeout=120, what=f"{MUTATIONS} tasks")
        all_tasks_after = time.monotonic() - started_at
        wait_until(lambda: publisher.ready() == 0, timeout=60, what="the queue to drain")
        resumed_after = consumer.stats
    finally:
        stats = consumer.stop()
        publisher.close()

    assert waiting_at_stop > 0 and processed_at_stop < MUTATIONS // 2, "the restart was not mid-stream"
    assert stats.reconnects >= 1 and stats.dead_lettered == 0
    per_hash = dict(Task.objects.values_list("hash").annotate(tasks=Count("id")))
    assert {h: n for h, n in per_hash.items() if n > 1} == {}, "a mutation was scheduled twice"
    assert set(per_hash) == expected, f"{len(expected - set(per_hash))} mutations were lost"
    print(
        f"\nbroker stopped after {processed_at_stop} processed with {waiting_at_stop} waiting in the queue; "
        f"down {started_at - stopped_at:.1f} s, all tasks {all_tasks_after:.1f} s after the start; "
        f"publisher re-sent {publisher.resent} unconfirmed messages "
        f"({publisher.failed_attempts} failed attempts); consumer reconnects {stats.reconnects}, "
        f"acked {stats.processed} (of {MUTATIONS} + re-sent), {resumed_after.database_errors} database errors"
    )
