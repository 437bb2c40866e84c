"""The consumer's broker connection: its parameters and name, its channel's set-up, the backoff between attempts."""

import logging
import os
import socket
from collections.abc import Iterable, Mapping

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError

from rocky_scheduler.conf import app_settings
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS

logger = logging.getLogger("rocky_scheduler.ingest.consumer")

# AMQP queue name -> message kind (the `queue` argument of ingest_message). OpenKAT's names by default.
INGEST_QUEUES: Mapping[str, str] = {
    SCAN_PROFILE_MUTATIONS: SCAN_PROFILE_MUTATIONS,
    RAW_FILE_RECEIVED: RAW_FILE_RECEIVED,
}
LOG_NO_AMQP_URL = "ingest: AMQP_URL is not set: no RabbitMQ ingestion (HTTP ingest still works)"
LOG_AMQP_MODE = "ingest: consuming %s from RabbitMQ at %s, in runs of %.0f s"

BACKOFF_INITIAL_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
# A broker under a resource alarm blocks publishers (our dead-letter publish) indefinitely; give up after
# this long and reconnect, so a run still ends on time (URLs may set their own blocked_connection_timeout).
BLOCKED_CONNECTION_TIMEOUT_SECONDS = 60.0


def backoff_seconds(failures: int) -> float:
    """0.5 s after the first failure, doubling up to 30 s."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_INITIAL_SECONDS * 2 ** max(failures - 1, 0))


def default_connection_name() -> str:
    # Shown by `rabbitmqctl list_connections client_properties`, so an operator can tell consumers apart.
    return f"rocky_scheduler ingest {socket.gethostname()} pid {os.getpid()}"


def connection_parameters(url: str, *, connection_name: str | None = None) -> pika.URLParameters:
    """The parameters of `url`, named for `rabbitmqctl` and with a bound on how long the broker may block us."""
    parameters = pika.URLParameters(url)
    parameters.client_properties = {"connection_name": connection_name or default_connection_name()}
    if parameters.blocked_connection_timeout is None:
        parameters.blocked_connection_timeout = BLOCKED_CONNECTION_TIMEOUT_SECONDS
    return parameters


def broker_name(parameters: pika.connection.Parameters) -> str:
    """host:port/vhost, as log lines name the broker."""
    return f"{parameters.host}:{parameters.port}{parameters.virtual_host}"


def prepare_channel(channel: BlockingChannel, *, queues: Iterable[str], dead_letter_queue: str, prefetch: int) -> None:
    """Declare the queues we consume and dead-letter to, and set the channel up for consuming."""
    # Exactly as OpenKAT's publishers declare them (durable, no arguments, default exchange): a
    # declaration that differs in any of these is refused by the broker for whoever comes second.
    for queue in queues:
        channel.queue_declare(queue=queue, durable=True)
    channel.queue_declare(queue=dead_letter_queue, durable=True)
    # Confirms make the dead-letter publish durable before we ack the original message.
    channel.confirm_delivery()
    channel.basic_qos(prefetch_count=prefetch)


def close_quietly(connection: BlockingConnection | None) -> None:
    if connection is None or not connection.is_open:
        return
    try:
        # Unacked messages go back to their queues (flagged redelivered) when the connection closes.
        connection.close()
    except (AMQPError, OSError):
        pass


def ingest_prefetch() -> int:
    """INGEST_PREFETCH, raised to two batches: the broker fills the next batch while one is being ingested."""
    return max(app_settings.INGEST_PREFETCH, 2 * app_settings.INGEST_BATCH_SIZE)


def log_ingest_setup() -> None:
    """One line when the cluster starts: how events reach this scheduler (RabbitMQ, or HTTP ingest only)."""
    url = app_settings.AMQP_URL
    if not url:
        logger.info(LOG_NO_AMQP_URL)
        return
    broker = broker_name(pika.URLParameters(url))
    logger.info(LOG_AMQP_MODE, ", ".join(INGEST_QUEUES), broker, app_settings.INGEST_RUN_SECONDS)
