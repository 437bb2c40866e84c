"""Lost broker connections, a broker that is not there yet, a database that drops us: never a crashed consumer."""

import socket
import time

import pika
import pytest
from django.db import connection
from django.db.models import Count

from rocky_scheduler.ingest.connection import backoff_seconds
from rocky_scheduler.models import Task
from tests.ingest.broker import close_connection_named, needs_rabbitmqctl, queue_info, unique_suffix, wait_until
from tests.ingest.payloads import mutation

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def scheduled(*messages: dict) -> int:
    return Task.objects.filter(data__input_ooi__in=[message["primary_key"] for message in messages]).count()


def duplicate_hashes() -> list:
    return list(Task.objects.values("hash").annotate(tasks=Count("id")).filter(tasks__gt=1))


@needs_rabbitmqctl
def test_connection_closed_by_the_broker_is_reestablished_and_later_messages_are_processed(
    demo, broker, queues, consume
):
    name = f"rocky_scheduler test broker-loss {unique_suffix()}"
    before = mutation(level=1)
    broker.publish(queues.mutations, before)
    consumer = consume(connection_name=name)
    consumer.wait_handled(1)

    close_connection_named(name)
    after = mutation(level=1)
    broker.publish(queues.mutations, after)  # while the consumer may still be reconnecting
    wait_until(lambda: scheduled(after) == 1, what="the message published after the connection was closed")
    stats = consumer.stop()

    assert stats.reconnects == 1
    assert (stats.processed, stats.dead_lettered) == (2, 0)
    assert scheduled(before, after) == 2


@needs_rabbitmqctl
def test_no_message_is_lost_when_the_connection_drops_mid_stream(demo, broker, queues, consume):
    name = f"rocky_scheduler test mid-stream {unique_suffix()}"
    messages = [mutation(level=1) for _ in range(1500)]
    for message in messages:
        broker.publish(queues.mutations, message)

    cut: dict = {}

    def cut_after_50(queue: str, body: bytes) -> None:
        # From inside the consumer, between a commit and its acks: a consumer ingesting in batches would have
        # drained the queue before the test thread got round to cutting.
        if "at" not in cut and "consumer" in cut and cut["consumer"].stats.processed >= 50:
            cut["at"] = cut["consumer"].stats.processed
            close_connection_named(name)

    consumer = cut["consumer"] = consume(connection_name=name, prefetch=50, after_commit_before_ack=cut_after_50)
    wait_until(lambda: "at" in cut, what="the cut")
    acked_before_the_cut = cut["at"]
    wait_until(lambda: consumer.stats.reconnects >= 1, what="a reconnect")
    wait_until(lambda: queue_info(queues.mutations)["messages"] == 0, timeout=120, what="the queue to drain")
    stats = consumer.stop()

    assert acked_before_the_cut < len(messages), "the connection was cut before the queue drained"
    assert stats.dead_lettered == 0
    assert scheduled(*messages) == len(messages)
    assert duplicate_hashes() == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_broker_that_is_not_reachable_yet_is_retried_with_backoff(demo, broker, queues, consume):
    """The first two connection attempts are refused for real (a closed port); the third reaches RabbitMQ."""
    refused_port = closed_port()
    attempts: list[int] = []
    slept: list[float] = []

    def connect(parameters: pika.connection.Parameters) -> pika.BlockingConnection:
        attempts.append(len(attempts) + 1)
        if len(attempts) <= 2:
            return pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=refused_port))
        return pika.BlockingConnection(parameters)

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    message = mutation(level=1)
    broker.publish(queues.mutations, message)
    consumer = consume(connect=connect, sleep=sleep)
    consumer.wait_handled(1)
    stats = consumer.stop()

    assert attempts == [1, 2, 3]
    assert slept == [backoff_seconds(1), backoff_seconds(2)] == [0.5, 1.0]
    assert (stats.processed, stats.reconnects) == (1, 0)
    assert scheduled(message) == 1


def test_queue_declared_incompatibly_by_someone_else_does_not_crash_the_consumer(demo, broker, queues, consume):
    # A different declaration of the same queue name is refused by the broker (PRECONDITION_FAILED).
    broker.channel.queue_declare(queue=queues.mutations, durable=True, arguments={"x-max-length": 10})
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    consumer = consume(sleep=sleep)
    wait_until(lambda: len(slept) >= 2, what="two retries")
    stats = consumer.stop()

    assert stats.processed == 0
    assert slept[:2] == [0.5, 1.0]


def test_database_connection_lost_mid_run_requeues_the_message_and_the_consumer_carries_on(
    demo, broker, queues, consume
):
    first = mutation(level=1)
    broker.publish(queues.mutations, first)
    consumer = consume()
    consumer.wait_handled(1)

    # Kill every other session on the test database: that is the consumer thread's connection.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1
    second = mutation(level=1)
    broker.publish(queues.mutations, second)
    wait_until(lambda: scheduled(second) == 1, what="the message that met the dead database connection")
    stats = consumer.stop()

    assert stats.database_errors == 1
    assert (stats.processed, stats.dead_lettered, stats.reconnects) == (2, 0, 1)
    assert scheduled(first, second) == 2


def test_queue_deleted_under_the_consumer_is_declared_again_and_consumed(demo, broker, queues, consume):
    first = mutation(level=1)
    broker.publish(queues.mutations, first)
    consumer = consume()
    consumer.wait_handled(1)

    # The broker cancels our consumer when its queue goes; we reconnect and declare it again.
    broker.channel.queue_delete(queue=queues.mutations)
    wait_until(lambda: consumer.stats.reconnects >= 1, what="a reconnect after the queue was deleted")
    wait_until(lambda: broker.consumer_count(queues.mutations) == 1, what="the queue declared and consumed again")
    second = mutation(level=1)
    broker.publish(queues.mutations, second)
    wait_until(lambda: scheduled(second) == 1, what="the message published to the declared-again queue")
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered) == (2, 0)
