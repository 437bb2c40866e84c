"""Malformed messages go to our dead-letter queue with the reason; the consumer carries on."""

import json

import pytest
from django.test import override_settings

from rocky_scheduler.catalogue import EmbeddedCatalogue, OOIInfo
from rocky_scheduler.ingest.bodies import HAS_NUL, NOT_JSON, NOT_UTF8, TOO_DEEP
from rocky_scheduler.ingest.dead_letter import REASON_HEADER, SOURCE_QUEUE_HEADER
from rocky_scheduler.ingest.handling import UNEXPECTED
from rocky_scheduler.messages import NOT_A_STRING, NOT_AN_OBJECT, UNKNOWN_OPERATION, VALUE_REQUIRED
from rocky_scheduler.models import Task
from tests.ingest.broker import needs_rabbitmqctl, queue_info
from tests.ingest.payloads import mutation, raw_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def without_client_id() -> dict:
    message = mutation(level=1)
    del message["client_id"]
    return message


def unknown_operation() -> dict:
    return {**mutation(level=1), "operation": "upsert"}


def create_without_value() -> dict:
    return {**mutation(level=1), "value": None}


def raw_without_raw_data() -> dict:
    message = raw_file(mime_types=["boefje/dns-records"])
    del message["raw_data"]
    return message


# (queue attribute, body, the start of the reason header)
MALFORMED = [
    ("mutations", b"{not json", NOT_JSON.format(error="")),
    ("mutations", b"\xff\xfe\x00binary", NOT_UTF8.format(error="")),
    ("mutations", json.dumps(without_client_id()).encode(), NOT_A_STRING.format(path="client_id")),
    ("mutations", json.dumps(unknown_operation()).encode(), UNKNOWN_OPERATION.format(value="upsert")),
    ("mutations", json.dumps(create_without_value()).encode(), VALUE_REQUIRED.format(operation="create")),
    ("mutations", b"[1, 2, 3]", NOT_AN_OBJECT.format(path="message")),
    ("raw_files", json.dumps(raw_without_raw_data()).encode(), NOT_AN_OBJECT.format(path="raw_data")),
]


def test_malformed_messages_are_dead_lettered_with_their_reason_and_the_next_good_one_is_processed(
    demo, broker, queues, consume
):
    for queue_attribute, body, _ in MALFORMED:
        broker.publish(getattr(queues, queue_attribute), body)
    good_host = mutation(level=1)
    good_raw = raw_file(mime_types=["boefje/dns-records"])
    broker.publish(queues.mutations, good_host)
    broker.publish(queues.raw_files, good_raw)

    consumer = consume()
    consumer.wait_handled(len(MALFORMED) + 2)
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered) == (2, len(MALFORMED))
    dead = broker.get_all(queues.dead_letter)
    by_body = {body: properties for properties, body in dead}
    assert set(by_body) == {body for _, body, _ in MALFORMED}, "each message is dead-lettered once, body unchanged"
    for queue_attribute, body, reason in MALFORMED:
        headers = by_body[body].headers
        assert headers[REASON_HEADER].startswith(reason.rstrip()), headers
        assert headers[SOURCE_QUEUE_HEADER] == getattr(queues, queue_attribute)
        assert headers["origin"] == "test", "the publisher's own headers are kept"
        assert by_body[body].delivery_mode == 2, "dead letters survive a broker restart"
    assert Task.objects.filter(data__input_ooi=good_host["primary_key"]).count() == 1
    assert Task.objects.filter(data__raw_data__id=good_raw["raw_data"]["id"]).count() == 1


@needs_rabbitmqctl
def test_dead_letter_queue_is_durable_without_arguments(demo, broker, queues, consume):
    broker.publish(queues.mutations, b"nonsense")
    consumer = consume()
    consumer.wait_handled(1)
    consumer.stop()

    info = queue_info(queues.dead_letter)
    assert (info["durable"], info["arguments"], info["messages"]) == (True, [], 1)


def test_values_postgresql_cannot_store_are_dead_lettered_before_they_reach_it(demo, broker, queues, consume):
    nul = json.dumps(mutation(primary_key="Hostname|internet|nul\u0000.example.com", level=1)).encode()
    nan = json.dumps({**mutation(level=1), "valid_time": float("nan")}).encode()
    deep = b"[" * 100_000 + b"]" * 100_000
    good = mutation(level=1)
    for body in (nul, nan, deep):
        broker.publish(queues.mutations, body)
    broker.publish(queues.mutations, good)

    consumer = consume()
    consumer.wait_handled(4)
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered) == (1, 3)
    reasons = {body: properties.headers[REASON_HEADER] for properties, body in broker.get_all(queues.dead_letter)}
    assert reasons[nul] == HAS_NUL
    assert reasons[nan].startswith(NOT_JSON.format(error="NaN"))
    assert reasons[deep] == TOO_DEEP
    assert Task.objects.filter(data__input_ooi=good["primary_key"]).count() == 1


class ExplodingCatalogue(EmbeddedCatalogue):
    """Fails on one object type as no message should make it fail: a bug, or a broken KATalogus adapter."""

    def record_ooi(self, ooi: OOIInfo) -> OOIInfo | None:
        if ooi.object_type == "Exploding":
            raise RuntimeError("the catalogue exploded")
        return super().record_ooi(ooi)

    def record_oois(self, oois: list[OOIInfo]) -> None:
        # A batch of objects (the consumer's set-based path) with one that explodes fails as a whole.
        for ooi in oois:
            if ooi.object_type == "Exploding":
                raise RuntimeError("the catalogue exploded")
        super().record_oois(oois)


@override_settings(ROCKY_SCHEDULER={"CATALOGUE": f"{__name__}.ExplodingCatalogue"})
def test_a_message_failing_in_an_unexpected_way_is_dead_lettered_and_the_consumer_carries_on(
    demo, broker, queues, consume
):
    # (A too-long primary key used to be the example here; the message parser now refuses it as malformed.)
    exploding = mutation(object_type="Exploding", level=1)
    good = mutation(level=1)
    broker.publish(queues.mutations, exploding)
    broker.publish(queues.mutations, good)

    consumer = consume()
    consumer.wait_handled(2)
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered, stats.database_errors) == (1, 1, 0)
    [(properties, body)] = broker.get_all(queues.dead_letter)
    assert json.loads(body) == exploding
    assert properties.headers[REASON_HEADER].startswith(UNEXPECTED.format(error_type="RuntimeError", error=""))
    assert Task.objects.filter(data__input_ooi=good["primary_key"]).count() == 1
