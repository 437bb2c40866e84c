"""The RabbitMQ consumer: OpenKAT's `scan_profile_mutations` and `raw_file_received` queues into tasks.

One connection, one channel, a consumer per queue. Every message goes through
`services.ingest.ingest_message` (the same code path as HTTP ingest) and is acknowledged only after
that call returned, i.e. after its tasks were committed. What can go wrong, and what happens:

- a malformed message (not UTF-8, not JSON, refused by the parser): republished, with the reason
  and the source queue in its headers, to our durable dead-letter queue (with a publisher confirm),
  then acked; the consumer carries on with the next message;
- the broker connection is lost: reconnect with exponential backoff; unacked messages go back to
  their queue and come back flagged `redelivered`, which `ingest_message` turns into a no-op when the
  message was already committed;
- the database is unreachable: nack the message with requeue, let Django drop the broken
  connection, close the broker connection (the broker requeues the other prefetched messages) and
  back off before trying again;
- KATalogus or Octopoes does not answer (the OpenKAT catalogue's CatalogueUnavailable): the same,
  nack with requeue and back off; the event is not dead-lettered for an outage of someone else;
- the event's object is not in Octopoes yet, after OBJECT_CONFIRM_SECONDS of looking (ObjectNotConfirmed,
  OpenKAT #2488): the message goes back to the end of its queue once, counted in a header, and is acked;
  if its object is still missing on that delivery, it is dead-lettered with the reason. No task is queued
  for an object Octopoes does not have;
- anything else a message triggers: logged and dead-lettered, so one bad message cannot stop ingestion.

A run ends by finishing the messages already delivered to it (acks held back, so the broker sends no
more) rather than handing them back, because a handed-back message returns flagged `redelivered`.

django-q2 starts `ingest_run` once a minute and each run consumes for INGEST_RUN_SECONDS (90 s by
default), so consecutive runs overlap and there is no gap. Each queue is consumed exclusively: the
next run waits (polling once a second) until the previous one lets go, so messages about one object
are applied in the order they were published, never by two consumers at once.
"""

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import pika
from django.db import InterfaceError, OperationalError, close_old_connections
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, ChannelClosedByBroker
from pika.spec import Basic, BasicProperties

from rocky_scheduler.catalogue.base import CatalogueUnavailable
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import InvalidInput, ObjectNotConfirmed
from rocky_scheduler.ingest.bodies import MalformedBody, decode_body
from rocky_scheduler.ingest.dead_letter import OBJECT_RETRIES_HEADER, dead_letter_publish, republish
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS, ingest_message

logger = logging.getLogger(__name__)

# AMQP queue name -> message kind (the `queue` argument of ingest_message). OpenKAT's names by default.
INGEST_QUEUES: Mapping[str, str] = {
    SCAN_PROFILE_MUTATIONS: SCAN_PROFILE_MUTATIONS,
    RAW_FILE_RECEIVED: RAW_FILE_RECEIVED,
}

UNEXPECTED = "unexpected error while ingesting: {error_type}: {error}"
UNKNOWN_KIND = "queue {queue!r} maps to {kind!r}, which is not one of {kinds}"
OBJECT_STILL_MISSING = "{error} It was retried {retries} time(s) before."

LOG_NO_AMQP_URL = "ingest: AMQP_URL is not set: no RabbitMQ ingestion (HTTP ingest still works)"
LOG_AMQP_MODE = "ingest: consuming %s from RabbitMQ at %s, in runs of %.0f s"
LOG_START = "ingest: consuming %s from %s for %.0f s"
LOG_DONE = "ingest: run finished: %s"
LOG_CONNECTION_LOST = "ingest: broker connection to %s lost or refused (%s: %s); retrying in %.1f s"
LOG_LOOP_ERROR = "ingest: unexpected error in the consumer loop; retrying in %.1f s"
LOG_QUEUE_BUSY = "ingest: another consumer holds the queues on %s; waiting for it to finish"
LOG_CONSUMER_CANCELLED = "ingest: the broker cancelled our consumer (queue deleted?); reconnecting"
LOG_DATABASE_ERROR = "ingest: database error on a message from %s (%s: %s); requeued, backing off"
LOG_CATALOGUE_ERROR = "ingest: catalogue error on a message from %s (%s); requeued, backing off"
LOG_DEAD_LETTER = "ingest: message from %s dead-lettered to %s: %s"
LOG_OBJECT_RETRY = "ingest: message from %s put back at the end of its queue: %s"
LOG_UNEXPECTED = "ingest: unexpected error on a message from %s; dead-lettering it"

# A poll of the connection lasts at most this long, so stop() and the end of a run take effect within it.
POLL_SECONDS = 1.0
# AMQP's reply code when an exclusive consumer already holds the queue.
ACCESS_REFUSED = 403
BUSY_RETRY_SECONDS = 1.0
# At the end of a run, messages already delivered to us are processed rather than handed back; the
# drain ends when no delivery arrived for this long (or, at the latest, after DRAIN_MAX_SECONDS).
DRAIN_QUIET_SECONDS = 0.2
DRAIN_MAX_SECONDS = 30.0
BACKOFF_INITIAL_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
# A message whose object is not in Octopoes yet goes back to its queue this often before it is dead-lettered.
OBJECT_RETRIES = 1
# A broker under a resource alarm blocks publishers (our dead-letter publish) indefinitely; give up after
# this long and reconnect, so a run still ends on time (URLs may set their own blocked_connection_timeout).
BLOCKED_CONNECTION_TIMEOUT_SECONDS = 60.0

Connect = Callable[[pika.connection.Parameters], BlockingConnection]
AfterCommit = Callable[[str, bytes], None]


@dataclass
class ConsumerStats:
    processed: int = 0
    dead_lettered: int = 0
    reconnects: int = 0
    database_errors: int = 0
    # KATalogus or Octopoes (the OpenKAT catalogue) did not answer: the message was requeued.
    catalogue_errors: int = 0
    # The event's object was not in Octopoes yet: the message went back to the end of its queue.
    object_retries: int = 0


def backoff_seconds(failures: int) -> float:
    """0.5 s after the first failure, doubling up to 30 s."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_INITIAL_SECONDS * 2 ** max(failures - 1, 0))


def object_retries(properties: BasicProperties) -> int:
    """How often this message went back to its queue because its object was not in Octopoes yet."""
    retries = (properties.headers or {}).get(OBJECT_RETRIES_HEADER)
    return retries if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0 else 0


def default_connection_name() -> str:
    # Shown by `rabbitmqctl list_connections client_properties`, so an operator can tell consumers apart.
    return f"rocky_scheduler ingest {socket.gethostname()} pid {os.getpid()}"


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
    ) -> None:
        self.queues = dict(queues) if isinstance(queues, Mapping) else {name: name for name in queues}
        for queue, kind in self.queues.items():
            if kind not in INGEST_QUEUES.values():
                raise ValueError(UNKNOWN_KIND.format(queue=queue, kind=kind, kinds=sorted(INGEST_QUEUES.values())))
        self.parameters = pika.URLParameters(url)
        self.parameters.client_properties = {"connection_name": connection_name or default_connection_name()}
        if self.parameters.blocked_connection_timeout is None:
            self.parameters.blocked_connection_timeout = BLOCKED_CONNECTION_TIMEOUT_SECONDS
        self.run_seconds = run_seconds
        self.prefetch = prefetch
        self.dead_letter_queue = dead_letter_queue
        self.stats = ConsumerStats()
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
        self._held_acks: dict[str, list[int]] = {}

    @property
    def broker(self) -> str:
        return f"{self.parameters.host}:{self.parameters.port}{self.parameters.virtual_host}"

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
            self._held_acks = {queue: [] for queue in self.queues}
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
                    LOG_CONNECTION_LOST, self.broker, type(error).__name__, error, backoff_seconds(self._failures)
                )
            except Exception:
                # Never a crashed consumer: whatever this is, the broker keeps the messages we did not ack.
                self._failures += 1
                logger.exception(LOG_LOOP_ERROR, backoff_seconds(self._failures))
            finally:
                self._close(connection)
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
        # Exactly as OpenKAT's publishers declare them (durable, no arguments, default exchange): a
        # declaration that differs in any of these is refused by the broker for whoever comes second.
        for queue in self.queues:
            channel.queue_declare(queue=queue, durable=True)
        channel.queue_declare(queue=self.dead_letter_queue, durable=True)
        # Confirms make the dead-letter publish durable before we ack the original message.
        channel.confirm_delivery()
        channel.basic_qos(prefetch_count=self.prefetch)
        channel.add_on_cancel_callback(self._on_cancelled_by_broker)
        self._consumer_tags = [
            channel.basic_consume(
                queue=queue, on_message_callback=partial(self._on_message, queue, kind), exclusive=True
            )
            for queue, kind in self.queues.items()
        ]

    def _consume(self, connection: BlockingConnection, deadline: float) -> None:
        while not self._finished(deadline) and not self._reconnect_requested:
            connection.process_data_events(time_limit=max(0.0, min(POLL_SECONDS, deadline - self._monotonic())))
            if not self._reconnect_requested:
                # A poll without a database error: the next failure starts the backoff from the bottom again.
                self._failures = 0

    def _drain(self, connection: BlockingConnection) -> None:
        """End the run without handing delivered messages back to the broker.

        A message handed back (nack, cancel, close) returns flagged `redelivered`, and ingest_message
        skips a redelivered message whose content it has processed before, which is right for a
        message we committed but wrong for one we never processed that merely repeats an earlier one.
        So: process what was delivered, holding the acks back so the prefetch window stays full and
        the broker sends nothing more; then cancel the consumers and ack.
        """
        assert self._channel is not None
        self._draining = True
        give_up_at = self._monotonic() + DRAIN_MAX_SECONDS
        while not self._reconnect_requested and self._monotonic() < give_up_at:
            delivered = self._deliveries
            connection.process_data_events(time_limit=DRAIN_QUIET_SECONDS)
            if self._deliveries == delivered and not self._deliveries_owed():
                break
        for tag in self._consumer_tags:
            # Anything still arriving before the broker confirms the cancel is handed back by pika (unprocessed).
            self._channel.basic_cancel(tag)
        for delivery_tags in self._held_acks.values():
            for delivery_tag in delivery_tags:
                self._channel.basic_ack(delivery_tag=delivery_tag)
                self.stats.processed += 1
            delivery_tags.clear()

    def _deliveries_owed(self) -> bool:
        """Whether the broker will still send us something: a queue with ready messages and room in our window.

        A quiet moment alone does not tell: a busy broker may send the last in-window delivery late.
        """
        assert self._channel is not None
        for queue, held in self._held_acks.items():
            if self.prefetch and len(held) >= self.prefetch:
                continue
            if self._channel.queue_declare(queue=queue, durable=True, passive=True).method.message_count:
                return True
        return False

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
        try:
            ingest_message(queue=kind, payload=decode_body(body), redelivered=bool(method.redelivered))
        except (MalformedBody, InvalidInput) as error:
            self._dead_letter(channel, queue, method, properties, body, reason=str(error))
            return
        except (OperationalError, InterfaceError) as error:
            self.stats.database_errors += 1
            logger.warning(LOG_DATABASE_ERROR, queue, type(error).__name__, error)
            # Drops the broken connection so the next message gets a fresh one.
            close_old_connections()
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            self._reconnect_requested = True
            return
        except CatalogueUnavailable as error:
            # KATalogus or Octopoes is down: the event waits in its queue (not with the dead letters) and the
            # reconnect backoff spaces the attempts, so an outage costs no events and no busy loop.
            self.stats.catalogue_errors += 1
            logger.warning(LOG_CATALOGUE_ERROR, queue, error)
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            self._reconnect_requested = True
            return
        except ObjectNotConfirmed as error:
            # Once back to the end of the queue (a later delivery may find the object), then the dead letters.
            # A copy with the count in a header rather than a nack: the count survives the end of this run and
            # a change of consumer, and the retry comes after what was queued behind it, not at once.
            retries = object_retries(properties)
            if retries >= OBJECT_RETRIES:
                reason = OBJECT_STILL_MISSING.format(error=error.message, retries=retries)
                self._dead_letter(channel, queue, method, properties, body, reason=reason)
                return
            logger.info(LOG_OBJECT_RETRY, queue, error.message)
            headers = {OBJECT_RETRIES_HEADER: retries + 1}
            republish(channel, queue=queue, properties=properties, body=body, headers=headers)
            channel.basic_ack(delivery_tag=method.delivery_tag)
            self.stats.object_retries += 1
            return
        except Exception as error:
            logger.exception(LOG_UNEXPECTED, queue)
            reason = UNEXPECTED.format(error_type=type(error).__name__, error=error)
            self._dead_letter(channel, queue, method, properties, body, reason=reason)
            return
        if self._after_commit_before_ack is not None:
            self._after_commit_before_ack(queue, body)
        if self._draining:
            self._held_acks[queue].append(method.delivery_tag)
            return
        channel.basic_ack(delivery_tag=method.delivery_tag)
        self.stats.processed += 1

    def _dead_letter(
        self,
        channel: BlockingChannel,
        queue: str,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
        *,
        reason: str,
    ) -> None:
        logger.warning(LOG_DEAD_LETTER, queue, self.dead_letter_queue, reason)
        dead_letter_publish(
            channel,
            dead_letter_queue=self.dead_letter_queue,
            source_queue=queue,
            properties=properties,
            body=body,
            reason=reason,
        )
        channel.basic_ack(delivery_tag=method.delivery_tag)
        self.stats.dead_lettered += 1

    def _back_off(self, deadline: float) -> None:
        if self._failures == 0 or self._finished(deadline):
            return
        self._wait(min(backoff_seconds(self._failures), deadline - self._monotonic()))

    def _wait(self, remaining: float) -> None:
        # In slices, so stop() is honoured within POLL_SECONDS even during a long backoff.
        while remaining > 0 and not self._stop_requested.is_set():
            step = min(POLL_SECONDS, remaining)
            self._sleep(step)
            remaining -= step

    @staticmethod
    def _close(connection: BlockingConnection | None) -> None:
        if connection is None or not connection.is_open:
            return
        try:
            # Unacked messages go back to their queues (flagged redelivered) when the connection closes.
            connection.close()
        except (AMQPError, OSError):
            pass


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
        prefetch=app_settings.INGEST_PREFETCH,
        dead_letter_queue=app_settings.DEAD_LETTER_QUEUE,
    )
    try:
        return asdict(consumer.run())
    finally:
        close_old_connections()


def log_ingest_setup() -> None:
    """One line when the cluster starts: how events reach this scheduler (RabbitMQ, or HTTP ingest only)."""
    url = app_settings.AMQP_URL
    if not url:
        logger.info(LOG_NO_AMQP_URL)
        return
    parameters = pika.URLParameters(url)
    broker = f"{parameters.host}:{parameters.port}{parameters.virtual_host}"
    logger.info(LOG_AMQP_MODE, ", ".join(INGEST_QUEUES), broker, app_settings.INGEST_RUN_SECONDS)
