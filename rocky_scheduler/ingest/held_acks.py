"""Deliveries a consumer holds: the batch it is collecting, and the acks it holds back at the end of its run.

At the end of a run the acks are held so the broker sends nothing more (AmqpConsumer._drain).

A run ends without handing delivered messages back to the broker: a message handed back (nack, cancel,
close) returns flagged `redelivered`, and ingest_message skips a redelivered message whose content it has
processed before, which is right for a message we committed but wrong for one we never processed that
merely repeats an earlier one. So the run processes what was delivered, holding the acks back so the
prefetch window stays full and the broker sends nothing more; then it cancels its consumers and acks.
"""

from collections.abc import Callable, Iterable
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

from rocky_scheduler.conf import app_settings


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


class PendingBatch:
    """Deliveries not ingested yet: a batch is due when it is full or its first delivery waited `wait` seconds."""

    def __init__(self, size: int, wait: float, monotonic: Callable[[], float]) -> None:
        self.size = size
        self.wait = wait
        self._monotonic = monotonic
        self.deliveries: list[Any] = []
        self._since = 0.0

    @classmethod
    def within(
        cls, size: int | None, wait: float | None, *, prefetch: int, monotonic: Callable[[], float]
    ) -> "PendingBatch":
        """INGEST_BATCH_SIZE and INGEST_BATCH_WAIT_SECONDS unless given; never more than `prefetch` (0: no bound)."""
        size = app_settings.INGEST_BATCH_SIZE if size is None else size
        # A batch never waits for more than the broker may send us unacked.
        size = max(1, min(size, prefetch) if prefetch else size)
        return cls(size, app_settings.INGEST_BATCH_WAIT_SECONDS if wait is None else wait, monotonic)

    def add(self, delivery: Any) -> bool:
        """Add a delivery; whether the batch is full."""
        if not self.deliveries:
            self._since = self._monotonic()
        self.deliveries.append(delivery)
        return len(self.deliveries) >= self.size

    def due(self) -> bool:
        return bool(self.deliveries) and self._monotonic() >= self._since + self.wait

    def time_limit(self, limit: float) -> float:
        """How long a poll may wait: `limit`, or less when a batch is waiting to be due."""
        if self.deliveries:
            limit = min(limit, self._since + self.wait - self._monotonic())
        return max(0.0, limit)

    def take(self) -> list[Any]:
        deliveries, self.deliveries = self.deliveries, []
        return deliveries
