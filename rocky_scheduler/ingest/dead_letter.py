"""Our dead-letter queue: where a message we cannot ingest is kept, with why and where from in its headers."""

import datetime
from collections.abc import Mapping

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import BasicProperties

# Headers a dead-lettered message carries, besides the ones it was published with.
REASON_HEADER = "x-rocky-scheduler-reason"
SOURCE_QUEUE_HEADER = "x-rocky-scheduler-source-queue"
DEAD_LETTERED_AT_HEADER = "x-rocky-scheduler-dead-lettered-at"
# How often a message went back to its queue because its object was not in Octopoes yet (OpenKAT #2488).
OBJECT_RETRIES_HEADER = "x-rocky-scheduler-object-retries"
# Reasons longer than this are cut, so a huge parser message cannot blow up a header frame.
REASON_MAX_CHARS = 1000


def dead_letter_publish(
    channel: BlockingChannel,
    *,
    dead_letter_queue: str,
    source_queue: str,
    properties: BasicProperties,
    body: bytes,
    reason: str,
) -> None:
    """Republish `body` unchanged to the dead-letter queue, with its own headers plus why and where from."""
    republish(
        channel,
        queue=dead_letter_queue,
        properties=properties,
        body=body,
        headers={
            REASON_HEADER: reason[:REASON_MAX_CHARS],
            SOURCE_QUEUE_HEADER: source_queue,
            DEAD_LETTERED_AT_HEADER: datetime.datetime.now(datetime.UTC).isoformat(),
        },
    )


def republish(
    channel: BlockingChannel, *, queue: str, properties: BasicProperties, body: bytes, headers: Mapping[str, object]
) -> None:
    """Publish `body` unchanged to `queue`, with its own headers plus `headers`, persistent.

    The channel is in confirm mode and the publish is mandatory, so this returns only once the broker
    holds the copy (or raises, and the caller keeps the original unacked).
    """
    copy = BasicProperties(
        content_type=properties.content_type,
        content_encoding=properties.content_encoding,
        message_id=properties.message_id,
        timestamp=properties.timestamp,
        headers={**(properties.headers or {}), **headers},
        delivery_mode=pika.DeliveryMode.Persistent,
    )
    channel.basic_publish(exchange="", routing_key=queue, body=body, properties=copy, mandatory=True)
