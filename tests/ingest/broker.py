"""Talking to the real RabbitMQ from tests: publish as OpenKAT does, look at queues, cut connections.

`rabbitmqctl` is the broker's own admin tool; tests use it to close one consumer's connection
from the server side and to see queue properties the AMQP protocol does not report.
"""

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import pika
import pytest
from django.db import connections
from pika.exceptions import ChannelClosedByBroker

from rocky_scheduler.ingest.consumer import AmqpConsumer
from rocky_scheduler.ingest.handling import ConsumerStats

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
WAIT_SECONDS = 30.0
RABBITMQCTL = shutil.which("rabbitmqctl")
# RabbitMQ runs on every machine of this project, rabbitmqctl with it; a missing one fails the tests that need it.
needs_rabbitmqctl = pytest.mark.usefixtures("rabbitmqctl_available")


def wait_until(condition: Callable[[], Any], *, timeout: float = WAIT_SECONDS, what: str = "condition") -> Any:
    """Poll `condition` until it is truthy; fail the test when the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def url_for_vhost(vhost: str) -> str:
    parts = urllib.parse.urlsplit(AMQP_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


def rabbitmqctl(*args: str) -> str:
    assert RABBITMQCTL is not None
    result = subprocess.run([RABBITMQCTL, "-q", *args], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def queue_info(name: str, *, vhost: str = "/") -> dict[str, Any] | None:
    """messages (ready + unacked), consumers, durable and arguments of one queue, as the broker sees it."""
    rows = json.loads(
        rabbitmqctl(
            "list_queues", "-p", vhost, "name", "messages", "consumers", "durable", "arguments", "--formatter", "json"
        )
        or "[]"
    )
    return next((row for row in rows if row["name"] == name), None)


def close_connection_named(connection_name: str, *, vhost: str = "/") -> None:
    """Close, from the broker side, the connection whose client called itself `connection_name`."""
    rows = json.loads(
        rabbitmqctl("list_connections", "-p", vhost, "name", "client_properties", "--formatter", "json") or "[]"
    )
    names = {
        row["name"]
        for row in rows
        if any(prop[0] == "connection_name" and prop[2] == connection_name for prop in row["client_properties"])
    }
    assert names, f"no broker connection named {connection_name!r}"
    # close_connection wants the pid as the plain table prints it, not as the JSON formatter does.
    for line in rabbitmqctl("list_connections", "-p", vhost, "pid", "name").splitlines()[1:]:
        pid, name = line.split("\t", 1)
        if name in names:
            rabbitmqctl("close_connection", pid, "closed by a rocky_scheduler test")


class Broker:
    """A publisher connection, declaring queues exactly as OpenKAT's publishers do."""

    def __init__(self, url: str = AMQP_URL) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def declare_openkat_queue(self, queue: str) -> None:
        # Octopoes and Bytes: `channel.queue_declare(queue=name, durable=True)`, default exchange.
        self.channel.queue_declare(queue=queue, durable=True)

    def publish(self, queue: str, message: Any) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.declare_openkat_queue(queue)
        self.channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=body,
            properties=pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent, headers={"origin": "test"}),
        )

    def ready_count(self, queue: str) -> int:
        return self.channel.queue_declare(queue=queue, durable=True, passive=True).method.message_count

    def consumer_count(self, queue: str) -> int:
        """Consumers on `queue`, 0 when it does not exist (a passive declare of a missing queue closes the channel)."""
        channel = self.connection.channel()
        try:
            return channel.queue_declare(queue=queue, passive=True).method.consumer_count
        except ChannelClosedByBroker:
            return 0
        finally:
            if channel.is_open:
                channel.close()

    def get_all(self, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
        messages = []
        while True:
            method, properties, body = self.channel.basic_get(queue=queue, auto_ack=True)
            if method is None:
                return messages
            messages.append((properties, body))

    def delete(self, *queues: str) -> None:
        for queue in queues:
            self.channel.queue_delete(queue=queue)

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()


class ConsumerThread:
    """Runs an AmqpConsumer in a thread of the test process (with its own database connection)."""

    def __init__(self, consumer: AmqpConsumer) -> None:
        self.consumer = consumer
        self.result: ConsumerStats | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ingest-consumer", daemon=True)

    def _run(self) -> None:
        try:
            self.result = self.consumer.run()
        except BaseException as error:  # the test asserts there was none
            self.error = error
        finally:
            # The test database is flushed after the test; a connection left open would block that.
            connections.close_all()

    @property
    def stats(self) -> ConsumerStats:
        return self.consumer.stats

    def __enter__(self) -> "ConsumerThread":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> ConsumerStats:
        self.consumer.stop()
        self.thread.join(timeout=WAIT_SECONDS)
        assert not self.thread.is_alive(), "the consumer did not stop"
        if self.error is not None:
            raise AssertionError("the consumer crashed") from self.error
        assert self.result is not None
        return self.result

    def wait_handled(self, count: int, *, timeout: float = WAIT_SECONDS) -> None:
        """Until `count` messages were acked (processed or dead-lettered) by this consumer."""
        wait_until(
            lambda: self.error is not None or self.stats.processed + self.stats.dead_lettered >= count,
            timeout=timeout,
            what=f"{count} handled messages (have {self.stats})",
        )
        if self.error is not None:
            raise AssertionError("the consumer crashed") from self.error


def unique_suffix() -> str:
    return uuid.uuid4().hex[:10]
