"""OpenKAT #2488 over RabbitMQ (the OpenKAT catalogue on the stand-ins): an event whose object Octopoes does
not show yet is retried once from the end of its queue, then dead-lettered with the reason; no task is ever
queued for an object Octopoes does not have, and no event is lost."""

import json
import threading

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.ingest.dead_letter import OBJECT_RETRIES_HEADER, REASON_HEADER, SOURCE_QUEUE_HEADER
from rocky_scheduler.models import Task
from tests.ingest.broker import wait_until
from tests.ingest.payloads import mutation
from tests.support.openkat_data import openkat_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def confirm_for(seconds: float):
    return override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | {"OBJECT_CONFIRM_SECONDS": seconds})


def boefjes_for(primary_key: str) -> set[str]:
    return set(Task.objects.filter(data__input_ooi=primary_key).values_list("data__boefje__id", flat=True))


def test_an_object_that_never_appears_is_dead_lettered_after_one_retry_with_no_task(
    openkat_setting, octopoes, broker, queues, consume
):
    missing = mutation(level=1, organisation="acme")
    present = mutation(level=1, organisation="globex")
    octopoes.put("globex", present["primary_key"], "Hostname", 1)
    with confirm_for(0.3):
        broker.publish(queues.mutations, missing)
        broker.publish(queues.mutations, present)
        consumer = consume()
        wait_until(lambda: consumer.stats.dead_lettered == 1, what="the missing object's event to be dead-lettered")
        stats = consumer.stop()

    assert (stats.object_retries, stats.dead_lettered, stats.processed) == (1, 1, 1)
    assert not Task.objects.filter(data__input_ooi=missing["primary_key"]).exists()
    # The other event was not held up by it.
    assert boefjes_for(present["primary_key"]) == openkat_data().boefjes_for("globex", "Hostname", 1)
    [(properties, body)] = broker.get_all(queues.dead_letter)
    assert json.loads(body) == missing
    headers = properties.headers
    assert "not in Octopoes after 0.3 s" in headers[REASON_HEADER]
    assert "retried 1 time(s)" in headers[REASON_HEADER]
    assert (headers[SOURCE_QUEUE_HEADER], headers[OBJECT_RETRIES_HEADER]) == (queues.mutations, 1)
    # OpenKAT's own headers travel with it, so the dead letter can be replayed as it came.
    assert headers["origin"] == "test"
    assert broker.get_all(queues.mutations) == []


def test_an_object_that_appears_before_the_retry_gets_its_tasks(openkat_setting, octopoes, broker, queues, consume):
    message = mutation(level=1, organisation="acme")
    with confirm_for(1.0):
        broker.publish(queues.mutations, message)
        consumer = consume()
        wait_until(lambda: consumer.stats.object_retries == 1, what="the event to go back to its queue")
        octopoes.put("acme", message["primary_key"], "Hostname", 1)
        wait_until(lambda: boefjes_for(message["primary_key"]), what="the retried event's tasks")
        stats = consumer.stop()

    assert (stats.object_retries, stats.dead_lettered, stats.processed) == (1, 0, 1)
    assert boefjes_for(message["primary_key"]) == openkat_data().boefjes_for("acme", "Hostname", 1)
    assert broker.get_all(queues.dead_letter) == []


def test_an_object_that_appears_within_the_bound_needs_no_retry(openkat_setting, octopoes, broker, queues, consume):
    message = mutation(level=1, organisation="acme")
    consumer = consume()
    wait_until(lambda: broker.consumer_count(queues.mutations) == 1, what="the consumer to listen")
    broker.publish(queues.mutations, message)
    # Octopoes shows it half a second after the consumer first looked; the default bound is 1.5 s.
    wait_until(lambda: octopoes.requests_to("/acme/object") >= 1, what="the consumer to look for the object")
    timer = threading.Timer(0.5, octopoes.put, args=("acme", message["primary_key"], "Hostname", 1))
    timer.start()
    wait_until(lambda: boefjes_for(message["primary_key"]), what="the event's tasks")
    timer.join()
    stats = consumer.stop()
    assert (stats.object_retries, stats.dead_lettered, stats.processed) == (0, 0, 1)
