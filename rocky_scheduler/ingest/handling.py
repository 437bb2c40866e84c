"""What the consumer does with a batch of messages: ingest them, or dead-letter, requeue or put back, and why.

`AmqpConsumer` (ingest.consumer) owns the connection, the channel and the run's end; it hands a batch of
deliveries to `MessageHandler.handle_batch`, which ingests them in one transaction, settles whatever cannot
be acked as committed and returns the ones whose tasks were committed (the consumer then acks them, or holds
the acks back while draining).
What can go wrong with a message, and what happens:

- a malformed message (not UTF-8, not JSON, refused by the parser): republished, with the reason
  and the source queue in its headers, to our durable dead-letter queue (with a publisher confirm),
  then acked; the consumer carries on with the next message;
- the database is unreachable: nack the batch with requeue, let Django drop the broken
  connection, close the broker connection (the broker requeues the other prefetched messages) and
  back off before trying again;
- KATalogus or Octopoes does not answer (the OpenKAT catalogue's CatalogueUnavailable): the same,
  nack with requeue and back off; the event is not dead-lettered for an outage of someone else;
- the event's object is not in Octopoes yet, after OBJECT_CONFIRM_SECONDS of looking (ObjectNotConfirmed,
  OpenKAT #2488): the message goes back to the end of its queue once, counted in a header, and is acked;
  if its object is still missing on that delivery, it is dead-lettered with the reason. No task is queued
  for an object Octopoes does not have;
- anything else a message triggers: logged and dead-lettered, so one bad message cannot stop ingestion.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from rocky_scheduler.catalogue.base import CatalogueUnavailable
from rocky_scheduler.errors import InvalidInput, ObjectNotConfirmed
from rocky_scheduler.ingest.bodies import MalformedBody, decode_body
from rocky_scheduler.ingest.dead_letter import OBJECT_RETRIES_HEADER, dead_letter_publish, republish
from rocky_scheduler.services.ingest_batch import CONNECTION_ERRORS, BatchMessage, ingest_batch

logger = logging.getLogger(__name__)

UNEXPECTED = "unexpected error while ingesting: {error_type}: {error}"
OBJECT_STILL_MISSING = "{error} It was retried {retries} time(s) before."
LOG_DATABASE_ERROR = "ingest: database error on a message from %s (%s: %s); requeued, backing off"
LOG_CATALOGUE_ERROR = "ingest: catalogue error on a message from %s (%s); requeued, backing off"
LOG_DEAD_LETTER = "ingest: message from %s dead-lettered to %s: %s"
LOG_OBJECT_RETRY = "ingest: message from %s put back at the end of its queue: %s"
LOG_UNEXPECTED = "ingest: unexpected error on a message from %s; dead-lettering it"
# A message whose object is not in Octopoes yet goes back to its queue this often before it is dead-lettered.
OBJECT_RETRIES = 1


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


def object_retries(properties: BasicProperties) -> int:
    """How often this message went back to its queue because its object was not in Octopoes yet."""
    retries = (properties.headers or {}).get(OBJECT_RETRIES_HEADER)
    return retries if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0 else 0


@dataclass(frozen=True)
class Delivery:
    """One message as the broker delivered it, with the kind of the queue it came from."""

    queue: str
    kind: str
    method: Basic.Deliver
    properties: BasicProperties
    body: bytes


class MessageHandler:
    """Ingests a batch of deliveries for a consumer; `request_reconnect` asks its loop to back off."""

    def __init__(self, *, stats: ConsumerStats, dead_letter_queue: str, request_reconnect: Callable[[], None]) -> None:
        self.stats = stats
        self.dead_letter_queue = dead_letter_queue
        self._request_reconnect = request_reconnect

    def handle_batch(self, channel: BlockingChannel, deliveries: list[Delivery]) -> list[Delivery]:
        """The deliveries whose tasks were committed (the caller acks them); every other one is settled here.

        One transaction for the batch (services.ingest_batch), so its dead letters and retries are published
        after the commit and before their acks: a crash in between redelivers them, and they fail again.
        """
        decoded: list[tuple[Delivery, BatchMessage]] = []
        for delivery in deliveries:
            try:
                payload = decode_body(delivery.body)
            except MalformedBody as error:
                self._dead_letter(channel, delivery, reason=str(error))
                continue
            decoded.append((delivery, BatchMessage(delivery.kind, payload, bool(delivery.method.redelivered))))
        if not decoded:
            return []
        try:
            results = ingest_batch([message for _, message in decoded])
        except CONNECTION_ERRORS as error:
            self.stats.database_errors += 1
            logger.warning(LOG_DATABASE_ERROR, decoded[0][0].queue, type(error).__name__, error)
            # Drops the broken connection so the next batch gets a fresh one; the whole batch waits in its queue.
            close_old_connections()
            for delivery, _ in decoded:
                channel.basic_nack(delivery_tag=delivery.method.delivery_tag, requeue=True)
            self._request_reconnect()
            return []
        committed = []
        for (delivery, _), result in zip(decoded, results, strict=True):
            if result.outcome is not None:
                committed.append(delivery)
            elif result.error is None:
                # Not attempted: the batch stopped at a catalogue outage before it. It waits in its queue.
                channel.basic_nack(delivery_tag=delivery.method.delivery_tag, requeue=True)
            else:
                self._settle(channel, delivery, result.error)
        return committed

    def _settle(self, channel: BlockingChannel, delivery: Delivery, error: Exception) -> None:
        """A message whose processing raised `error` (its effects rolled back): dead-letter, requeue or retry."""
        queue, method, properties, body = delivery.queue, delivery.method, delivery.properties, delivery.body
        if isinstance(error, InvalidInput):
            self._dead_letter(channel, delivery, reason=str(error))
        elif isinstance(error, CatalogueUnavailable):
            # KATalogus or Octopoes is down: the event waits in its queue (not with the dead letters) and the
            # reconnect backoff spaces the attempts, so an outage costs no events and no busy loop.
            self.stats.catalogue_errors += 1
            logger.warning(LOG_CATALOGUE_ERROR, queue, error)
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            self._request_reconnect()
        elif isinstance(error, ObjectNotConfirmed):
            # Once back to the end of the queue (a later delivery may find the object), then the dead letters.
            # A copy with the count in a header rather than a nack: the count survives the end of this run and
            # a change of consumer, and the retry comes after what was queued behind it, not at once.
            retries = object_retries(properties)
            if retries >= OBJECT_RETRIES:
                reason = OBJECT_STILL_MISSING.format(error=error.message, retries=retries)
                self._dead_letter(channel, delivery, reason=reason)
                return
            logger.info(LOG_OBJECT_RETRY, queue, error.message)
            headers = {OBJECT_RETRIES_HEADER: retries + 1}
            republish(channel, queue=queue, properties=properties, body=body, headers=headers)
            channel.basic_ack(delivery_tag=method.delivery_tag)
            self.stats.object_retries += 1
        else:
            logger.error(LOG_UNEXPECTED, queue, exc_info=error)
            reason = UNEXPECTED.format(error_type=type(error).__name__, error=error)
            self._dead_letter(channel, delivery, reason=reason)

    def _dead_letter(self, channel: BlockingChannel, delivery: Delivery, *, reason: str) -> None:
        logger.warning(LOG_DEAD_LETTER, delivery.queue, self.dead_letter_queue, reason)
        dead_letter_publish(
            channel,
            dead_letter_queue=self.dead_letter_queue,
            source_queue=delivery.queue,
            properties=delivery.properties,
            body=delivery.body,
            reason=reason,
        )
        channel.basic_ack(delivery_tag=delivery.method.delivery_tag)
        self.stats.dead_lettered += 1
