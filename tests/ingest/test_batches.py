"""Messages are ingested in batches (one transaction each, issue 16): each message still keeps its own fate.

A bad message in the middle of a batch is dead-lettered while the others' tasks are committed and acked; a
consumer that dies between a batch's commit and its acks schedules nothing twice when the batch comes back;
messages about one object inside one batch are applied in the order they were published.
"""

import pytest
from django.test import override_settings

from rocky_scheduler.ingest.dead_letter import REASON_HEADER, SOURCE_QUEUE_HEADER
from rocky_scheduler.models import ProcessedMessage, Task, TaskStatus
from tests.ingest import test_dead_letter
from tests.ingest.broker import queue_info
from tests.ingest.payloads import hostname, mutation

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A whole batch waits until it is full, so every message published below is in the same one.
ONE_BATCH = {"prefetch": 50, "batch_wait": 30.0}


def queued_boefjes(primary_key: str, *, status: str = TaskStatus.QUEUED) -> list[str]:
    tasks = Task.objects.filter(scheduler_id="boefje", data__input_ooi=primary_key, status=status)
    return list(tasks.values_list("data__boefje__id", flat=True))


@override_settings(ROCKY_SCHEDULER={"CATALOGUE": f"{test_dead_letter.__name__}.ExplodingCatalogue"})
def test_a_bad_message_in_the_middle_of_a_batch_is_dead_lettered_and_the_rest_commit(demo, broker, queues, consume):
    good = [mutation(level=1) for _ in range(6)]
    # Parsed fine, then fails inside the batch's transaction, among messages scheduled together with it.
    exploding = mutation(object_type="Exploding", level=1)
    not_json = b"{this is not json"
    batch = [*good[:3], exploding, not_json, *good[3:]]
    for message in batch:
        broker.publish(queues.mutations, message)

    consumer = consume(batch_size=len(batch), **ONE_BATCH)
    consumer.wait_handled(len(batch))
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered, stats.reconnects) == (6, 2, 0)
    for message in good:
        assert queued_boefjes(message["primary_key"]) == ["dns-records"]
    assert queued_boefjes(exploding["primary_key"]) == []
    assert ProcessedMessage.objects.count() == 6
    dead = broker.get_all(queues.dead_letter)
    assert not_json in [body for _, body in dead]
    reasons = [properties.headers[REASON_HEADER] for properties, _ in dead]
    assert any("RuntimeError: the catalogue exploded" in reason for reason in reasons), reasons
    assert {properties.headers[SOURCE_QUEUE_HEADER] for properties, _ in dead} == {queues.mutations}
    assert queue_info(queues.mutations)["messages"] == 0, "every message was acked"


class ConnectionDiesBeforeAck(Exception):
    """What the consumer sees when its connection breaks between a batch's commit and its acks."""


def test_a_crash_between_a_batchs_commit_and_its_acks_schedules_nothing_twice(demo, broker, queues, consume):
    messages = [mutation(level=1) for _ in range(8)]
    for message in messages:
        broker.publish(queues.mutations, message)
    deliveries: list[bytes] = []

    def break_once(queue: str, body: bytes) -> None:
        deliveries.append(body)
        if len(deliveries) == 1:
            raise ConnectionDiesBeforeAck

    consumer = consume(batch_size=len(messages), after_commit_before_ack=break_once, **ONE_BATCH)
    consumer.wait_handled(len(messages))
    stats = consumer.stop()

    # The whole batch came back (redelivered) after the reconnect and was recognised as processed.
    assert (stats.processed, stats.dead_lettered, stats.reconnects) == (len(messages), 0, 1)
    assert len(deliveries) == 1 + len(messages)
    for message in messages:
        assert queued_boefjes(message["primary_key"]) == ["dns-records"]
    assert Task.objects.count() == len(messages)
    assert queue_info(queues.mutations)["messages"] == 0


def test_messages_about_one_object_in_one_batch_are_applied_in_publish_order(demo, broker, queues, consume):
    deleted, recreated, raised = hostname(), hostname(), f"Website|internet|{hostname()}"
    batch = [
        mutation(primary_key=deleted, level=1),
        mutation(primary_key=recreated, level=1),
        mutation(primary_key=raised, object_type="Website", level=1),
        mutation(primary_key=deleted, operation="delete"),
        mutation(primary_key=recreated, operation="delete"),
        mutation(primary_key=raised, object_type="Website", level=2, operation="update"),
        mutation(primary_key=recreated, level=1),
    ]
    for message in batch:
        broker.publish(queues.mutations, message)

    consumer = consume(batch_size=len(batch), **ONE_BATCH)
    consumer.wait_handled(len(batch))
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered) == (len(batch), 0)
    # Created, then deleted: its task was queued and then cancelled, as one message at a time would do.
    assert queued_boefjes(deleted) == []
    assert queued_boefjes(deleted, status=TaskStatus.CANCELLED) == ["dns-records"]
    # Created, deleted, created again: the first task cancelled, a new one queued.
    assert queued_boefjes(recreated, status=TaskStatus.CANCELLED) == ["dns-records"]
    assert queued_boefjes(recreated) == ["dns-records"]
    # Level 1 and then 2: the level-2 boefje comes from the second mutation.
    assert queued_boefjes(raised) == ["ssl-certificates"]
