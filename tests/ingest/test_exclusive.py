"""Overlapping consumer runs never consume one queue at the same time, so per-object order holds."""

import threading
import time
import uuid

import pika
import pytest

from rocky_scheduler.ingest.consumer import AmqpConsumer

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _consumer(queue: str, seconds: float) -> AmqpConsumer:
    return AmqpConsumer(
        AMQP_URL,
        queues={queue: "scan_profile_mutations"},
        run_seconds=seconds,
        prefetch=10,
        dead_letter_queue=f"{queue}_dead",
    )


def test_a_second_run_waits_for_the_first_and_then_takes_over():
    queue = f"rocky_scheduler_test_exclusive_{uuid.uuid4().hex[:8]}"
    first, second = _consumer(queue, 4), _consumer(queue, 12)
    samples: list[tuple[float, int]] = []
    first_done_at: list[float] = []

    def run_first() -> None:
        first.run()
        first_done_at.append(time.monotonic())

    def watch(until: float) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        channel = connection.channel()
        while time.monotonic() < until:
            try:
                count = channel.queue_declare(queue, durable=True, passive=True).method.consumer_count
                samples.append((time.monotonic(), count))
            except pika.exceptions.ChannelClosedByBroker:  # not declared yet
                channel = connection.channel()
            time.sleep(0.2)
        connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=watch, args=(time.monotonic() + 10,))]
    for thread in threads:
        thread.start()
    time.sleep(1)
    threads.append(threading.Thread(target=second.run))
    threads[-1].start()
    try:
        for thread in threads:
            thread.join(timeout=40)
        assert first_done_at, "the first run did not finish"
        assert samples and max(count for _, count in samples) == 1, "two consumers held the queue at once"
        after_first = [count for at, count in samples if at > first_done_at[0] + 2]
        assert after_first and all(count == 1 for count in after_first), "the second run did not take over"
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        channel = connection.channel()
        channel.queue_delete(queue)
        channel.queue_delete(f"{queue}_dead")
        connection.close()
