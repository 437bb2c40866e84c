"""Publishing as Octopoes must for the scheduler's delivery guarantee: durable queue, persistent messages, confirms."""

import time

import pika
from pika.exceptions import AMQPError

from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS

PUBLISH_SECONDS = 90.0


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
