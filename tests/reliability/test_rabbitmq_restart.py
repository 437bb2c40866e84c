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

import pytest
from django.db.models import Count

from rocky_scheduler.hashing import digest
from rocky_scheduler.ingest.consumer import AmqpConsumer
from rocky_scheduler.models import Task
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS
from tests.ingest.broker import ConsumerThread, wait_until
from tests.ingest.payloads import hostname, mutation
from tests.ingest.publisher import PUBLISH_SECONDS, ConfirmingPublisher
from tests.support.private_services import RabbitNode

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

MUTATIONS = 1_000
STOP_AFTER_PROCESSED = 100
DEAD_LETTER = "rocky_scheduler.dead_letter"


@pytest.fixture
def node():
    node = RabbitNode()
    yield node
    node.close()


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
