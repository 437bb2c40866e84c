"""The acks a consumer holds back at the end of its run, so the broker sends nothing more (AmqpConsumer._drain).

A run ends without handing delivered messages back to the broker: a message handed back (nack, cancel,
close) returns flagged `redelivered`, and ingest_message skips a redelivered message whose content it has
processed before, which is right for a message we committed but wrong for one we never processed that
merely repeats an earlier one. So the run processes what was delivered, holding the acks back so the
prefetch window stays full and the broker sends nothing more; then it cancels its consumers and acks.
"""

from collections.abc import Iterable

from pika.adapters.blocking_connection import BlockingChannel


class HeldAcks:
    """Delivery tags of committed messages not acked yet, per queue; the prefetch window stays full meanwhile."""

    def __init__(self, queues: Iterable[str]) -> None:
        self._by_queue: dict[str, list[int]] = {queue: [] for queue in queues}

    def hold(self, queue: str, delivery_tag: int) -> None:
        self._by_queue[queue].append(delivery_tag)

    def deliveries_owed(self, channel: BlockingChannel, prefetch: int) -> bool:
        """Whether the broker will still send us something: a queue with ready messages and room in our window.

        A quiet moment alone does not tell: a busy broker may send the last in-window delivery late.
        """
        for queue, held in self._by_queue.items():
            if prefetch and len(held) >= prefetch:
                continue
            if channel.queue_declare(queue=queue, durable=True, passive=True).method.message_count:
                return True
        return False

    def ack_all(self, channel: BlockingChannel) -> int:
        """Ack every held delivery; how many there were."""
        acked = 0
        for delivery_tags in self._by_queue.values():
            for delivery_tag in delivery_tags:
                channel.basic_ack(delivery_tag=delivery_tag)
                acked += 1
            delivery_tags.clear()
        return acked
