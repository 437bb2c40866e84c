"""The RabbitMQ consumer: OpenKAT's `scan_profile_mutations` and `raw_file_received` queues into tasks.

One connection, one channel, a consumer per queue. Deliveries are collected into batches of up to
`batch_size` (INGEST_BATCH_SIZE), or whatever arrived within `batch_wait` seconds of the first; a batch goes
through `services.ingest_batch` (as HTTP ingest of a list does) in one transaction, and its messages are
acknowledged only after that commit. What can go wrong with a message, and what
happens then, is `ingest.handling`'s part. A lost broker connection is this loop's: it reconnects with
exponential backoff (`ingest.connection`); unacked messages go back to their queue and come back flagged
`redelivered`, which `ingest_message` turns into a no-op when the message was already committed.

A run ends by finishing the messages already delivered to it rather than handing them back (ingest.held_acks).

django-q2 starts `ingest_run` once a minute and each run consumes for INGEST_RUN_SECONDS (90 s by
default), so consecutive runs overlap and there is no gap. Each queue is consumed exclusively: the
next run waits (polling once a second) until the previous one lets go, so messages about one object
are applied in the order they were published, never by two consumers at once.
"""

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from functools import partial
from typing import Any

import pika
from django.db import close_old_connections
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, ChannelClosedByBroker
from pika.spec import Basic, BasicProperties

from rocky_scheduler.conf import app_settings
from rocky_scheduler.ingest import connection as amqp

# Also importable from here (apps.py, tests), where they were before the batch code made this module too long.
from rocky_scheduler.ingest.connection import INGEST_QUEUES, LOG_NO_AMQP_URL, log_ingest_setup  # noqa: F401
from rocky_scheduler.ingest.handling import ConsumerStats, Delivery, MessageHandler
from rocky_scheduler.ingest.held_acks import HeldAcks, PendingBatch

logger = logging.getLogger(__name__)

UNKNOWN_KIND = "queue {queue!r} maps to {kind!r}, which is not one of {kinds}"

LOG_START = "ingest: consuming %s from %s for %.0f s"
LOG_DONE = "ingest: run finished: %s"
LOG_CONNECTION_LOST = "ingest: broker connection to %s lost or refused (%s: %s); retrying in %.1f s"
LOG_LOOP_ERROR = "ingest: unexpected error in the consumer loop; retrying in %.1f s"
LOG_QUEUE_BUSY = "ingest: another consumer holds the queues on %s; waiting for it to finish"
LOG_CONSUMER_CANCELLED = "ingest: the broker cancelled our consumer (queue deleted?); reconnecting"

# A poll of the connection lasts at most this long, so stop() and the end of a run take effect within it.
POLL_SECONDS = 1.0
# AMQP's reply code when an exclusive consumer already holds the queue.
ACCESS_REFUSED = 403
BUSY_RETRY_SECONDS = 1.0
# At the end of a run, messages already delivered to us are processed rather than handed back; the
# drain ends when no delivery arrived for this long (or, at the latest, after DRAIN_MAX_SECONDS).
DRAIN_QUIET_SECONDS = 0.2
DRAIN_MAX_SECONDS = 30.0

Connect = Callable[[pika.connection.Parameters], BlockingConnection]
AfterCommit = Callable[[str, bytes], None]


class AmqpConsumer:
    """Consume the ingest queues on one connection until `run_seconds` have passed or `stop()` is called.

    `queues` is a sequence of OpenKAT queue names or a mapping of AMQP queue name to message kind
    (`scan_profile_mutations` or `raw_file_received`). `connect`, `sleep` and `monotonic` are the
    connection factory and clock; `after_commit_before_ack(queue, body)` runs between the commit of
    a message's tasks and its ack (the crash window the redelivery guarantees are about).
    """

    def __init__(
        self,
        url: str,
        *,
        queues: Mapping[str, str] | Iterable[str] = INGEST_QUEUES,
        run_seconds: float,
        prefetch: int,
        dead_letter_queue: str,
        connect: Connect = pika.BlockingConnection,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        connection_name: str | None = None,
        after_commit_before_ack: AfterCommit | None = None,
        batch_size: int | None = None,
        batch_wait: float | None = None,
    ) -> None:
        self.queues = dict(queues) if isinstance(queues, Mapping) else {name: name for name in queues}
        for queue, kind in self.queues.items():
            if kind not in INGEST_QUEUES.values():
                raise ValueError(UNKNOWN_KIND.format(queue=queue, kind=kind, kinds=sorted(INGEST_QUEUES.values())))
        self.parameters = amqp.connection_parameters(url, connection_name=connection_name)
        self.run_seconds = run_seconds
        self.prefetch = prefetch
        self._pending = PendingBatch.within(batch_size, batch_wait, prefetch=prefetch, monotonic=monotonic)
        self.dead_letter_queue = dead_letter_queue
        self.stats = ConsumerStats()
        self._handler = MessageHandler(
            stats=self.stats, dead_letter_queue=dead_letter_queue, request_reconnect=self._request_reconnect
        )
        self._connect = connect
        self._sleep = sleep
        self._monotonic = monotonic
        self._after_commit_before_ack = after_commit_before_ack
        self._stop_requested = threading.Event()
        # Set by a message callback; the loop then drops the connection and backs off.
        self._reconnect_requested = False
        self._failures = 0
        self._channel: BlockingChannel | None = None
        self._consumer_tags: list[str] = []
        self._deliveries = 0
        self._deadline = math.inf
        # While draining, acks are held back so the broker sends nothing more (the prefetch window stays full).
        self._draining = False
        self._held_acks = HeldAcks(self.queues)

    @property
    def broker(self) -> str:
        return amqp.broker_name(self.parameters)

    def stop(self) -> None:
        """Ask `run()` to return after the message in hand (safe from another thread or a signal handler)."""
        self._stop_requested.set()

    def run(self) -> ConsumerStats:
        self._deadline = deadline = self._monotonic() + self.run_seconds
        # Every minute a run starts and ends: worth a line only when asked for (the cluster's start says how
        # ingestion is set up, once; runs that took messages or met trouble say so below).
        logger.debug(LOG_START, ", ".join(self.queues), self.broker, self.run_seconds)
        connected_before = False
        while not self._finished(deadline):
            connection = None
            self._reconnect_requested = False
            self._draining = False
            self._held_acks = HeldAcks(self.queues)
            # Deliveries of a closed channel cannot be acked: the broker has requeued them.
            self._pending.take()
            try:
                connection = self._connect(self.parameters)
                self._open_channel(connection)
                if connected_before:
                    self.stats.reconnects += 1
                connected_before = True
                self._consume(connection, deadline)
                if not self._reconnect_requested:
                    self._drain(connection)
            except (AMQPError, OSError) as error:
                if isinstance(error, ChannelClosedByBroker) and error.reply_code == ACCESS_REFUSED:
                    # Another run still holds the queues (exclusive consumers): wait for it, without backoff.
                    logger.info(LOG_QUEUE_BUSY, self.broker)
                    self._wait(min(BUSY_RETRY_SECONDS, deadline - self._monotonic()))
                    continue
                self._failures += 1
                logger.warning(
                    LOG_CONNECTION_LOST, self.broker, type(error).__name__, error, amqp.backoff_seconds(self._failures)
                )
            except Exception:
                # Never a crashed consumer: whatever this is, the broker keeps the messages we did not ack.
                self._failures += 1
                logger.exception(LOG_LOOP_ERROR, amqp.backoff_seconds(self._failures))
            finally:
                amqp.close_quietly(connection)
            if self._reconnect_requested:
                self._failures += 1
            self._back_off(deadline)
        stats = asdict(self.stats)
        logger.log(logging.INFO if any(stats.values()) else logging.DEBUG, LOG_DONE, stats)
        return self.stats

    def _finished(self, deadline: float) -> bool:
        return self._stop_requested.is_set() or self._monotonic() >= deadline

    def _open_channel(self, connection: BlockingConnection) -> None:
        self._channel = channel = connection.channel()
        dead_letter, prefetch = self.dead_letter_queue, self.prefetch
        amqp.prepare_channel(channel, queues=self.queues, dead_letter_queue=dead_letter, prefetch=prefetch)
        channel.add_on_cancel_callback(self._on_cancelled_by_broker)
        self._consumer_tags = [
            channel.basic_consume(
                queue=queue, on_message_callback=partial(self._on_message, queue, kind), exclusive=True
            )
            for queue, kind in self.queues.items()
        ]

    def _consume(self, connection: BlockingConnection, deadline: float) -> None:
        while not self._finished(deadline) and not self._reconnect_requested:
            limit = self._pending.time_limit(min(POLL_SECONDS, deadline - self._monotonic()))
            # Returns as soon as deliveries were dispatched, so a batch waits at most batch_wait for company.
            connection.process_data_events(time_limit=limit)
            if self._pending.due():
                self._flush()
            if not self._reconnect_requested:
                # A poll without a database error: the next failure starts the backoff from the bottom again.
                self._failures = 0

    def _drain(self, connection: BlockingConnection) -> None:
        """End the run without handing delivered messages back to the broker (why: ingest.held_acks)."""
        assert self._channel is not None
        self._draining = True
        give_up_at = self._monotonic() + DRAIN_MAX_SECONDS
        while not self._reconnect_requested and self._monotonic() < give_up_at:
            delivered = self._deliveries
            connection.process_data_events(time_limit=DRAIN_QUIET_SECONDS)
            self._flush()
            if self._deliveries == delivered and not self._held_acks.deliveries_owed(self._channel, self.prefetch):
                break
        self._flush()
        for tag in self._consumer_tags:
            # Anything still arriving before the broker confirms the cancel is handed back by pika (unprocessed).
            self._channel.basic_cancel(tag)
        self.stats.processed += self._held_acks.ack_all(self._channel)

    def _request_reconnect(self) -> None:
        self._reconnect_requested = True

    def _on_cancelled_by_broker(self, frame: Any) -> None:
        logger.warning(LOG_CONSUMER_CANCELLED)
        self._reconnect_requested = True

    def _on_message(
        self,
        queue: str,
        kind: str,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        self._deliveries += 1
        if self._reconnect_requested:
            # Already backing off: hand the rest of this batch back untouched.
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            return
        if not self._draining and self._finished(self._deadline):
            # Checked here, not only between polls: under a backlog every ack pulls in the next delivery
            # and one poll never returns. Holding acks from now on lets it return (see _drain).
            self._draining = True
        if self._pending.add(Delivery(queue, kind, method, properties, body)):
            self._flush()

    def _flush(self) -> None:
        """Ingest the pending batch in one transaction; ack (or hold) what it committed."""
        if not self._pending.deliveries or self._reconnect_requested or self._channel is None:
            return
        channel, batch = self._channel, self._pending.take()
        committed = self._handler.handle_batch(channel, batch)
        if self._after_commit_before_ack is not None:
            for delivery in committed:
                self._after_commit_before_ack(delivery.queue, delivery.body)
        if self._draining:
            for delivery in committed:
                self._held_acks.hold(delivery.queue, delivery.method.delivery_tag)
            return
        if committed:
            # Every earlier delivery of this channel is settled (the batch holds all that were pending, and the
            # handler acked or nacked the rest): one ack covers the batch.
            channel.basic_ack(delivery_tag=committed[-1].method.delivery_tag, multiple=True)
            self.stats.processed += len(committed)

    def _back_off(self, deadline: float) -> None:
        if self._failures == 0 or self._finished(deadline):
            return
        self._wait(min(amqp.backoff_seconds(self._failures), deadline - self._monotonic()))

    def _wait(self, remaining: float) -> None:
        # In slices, so stop() is honoured within POLL_SECONDS even during a long backoff.
        while remaining > 0 and not self._stop_requested.is_set():
            step = min(POLL_SECONDS, remaining)
            self._sleep(step)
            remaining -= step


def ingest_run() -> dict[str, int] | None:
    """The django-q2 job: consume for INGEST_RUN_SECONDS, or return at once when AMQP_URL is not set."""
    url = app_settings.AMQP_URL
    if not url:
        logger.debug(LOG_NO_AMQP_URL)  # said once when the cluster started (log_ingest_setup)
        return None
    close_old_connections()
    consumer = AmqpConsumer(
        url,
        run_seconds=app_settings.INGEST_RUN_SECONDS,
        prefetch=amqp.ingest_prefetch(),
        dead_letter_queue=app_settings.DEAD_LETTER_QUEUE,
    )
    try:
        return asdict(consumer.run())
    finally:
        close_old_connections()
