"""OpenKAT's real queue names, declared as its publishers declare them, in a virtual host of our own."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from pika.exceptions import ChannelClosedByBroker

from rocky_scheduler.ingest.consumer import AmqpConsumer, ingest_run, log_ingest_setup
from rocky_scheduler.management.commands.ingest import NO_AMQP_URL
from rocky_scheduler.models import Task
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS
from tests.ingest.broker import Broker, ConsumerThread, queue_info, unique_suffix, wait_until
from tests.ingest.payloads import mutation, raw_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OPENKAT_QUEUES = (SCAN_PROFILE_MUTATIONS, RAW_FILE_RECEIVED)
DEAD_LETTER = "rocky_scheduler.dead_letter"


def test_consumer_first_then_openkat_publishers_declare_and_publish(demo, vhost):
    name, url = vhost
    consumer = ConsumerThread(
        AmqpConsumer(url, run_seconds=120, prefetch=10, dead_letter_queue=DEAD_LETTER, connection_name=unique_suffix())
    )
    publisher = Broker(url)
    with consumer:
        wait_until(
            lambda: all(publisher.consumer_count(queue) == 1 for queue in OPENKAT_QUEUES),
            what="the consumer to declare and consume OpenKAT's queues",
        )
        for queue in OPENKAT_QUEUES:
            info = queue_info(queue, vhost=name)
            assert (info["durable"], info["arguments"]) == (True, []), info
        # Octopoes and Bytes declare (durable=True, no arguments) before publishing: the broker must accept it.
        host = mutation(level=1)
        raw = raw_file(mime_types=["boefje/dns-records"])
        publisher.publish(SCAN_PROFILE_MUTATIONS, host)
        publisher.publish(RAW_FILE_RECEIVED, raw)
        consumer.wait_handled(2)
    publisher.close()

    assert Task.objects.filter(data__input_ooi=host["primary_key"]).count() == 1
    assert Task.objects.filter(data__raw_data__id=raw["raw_data"]["id"]).count() == 1


def test_openkat_publishers_first_then_the_consumer(demo, vhost):
    _, url = vhost
    publisher = Broker(url)
    host = mutation(level=1)
    publisher.publish(SCAN_PROFILE_MUTATIONS, host)
    publisher.declare_openkat_queue(RAW_FILE_RECEIVED)

    with ConsumerThread(
        AmqpConsumer(url, run_seconds=120, prefetch=10, dead_letter_queue=DEAD_LETTER, connection_name=unique_suffix())
    ) as consumer:
        consumer.wait_handled(1)
    # And a publisher restarting afterwards still declares them its way without a conflict.
    for queue in OPENKAT_QUEUES:
        publisher.declare_openkat_queue(queue)
    publisher.close()

    assert Task.objects.filter(data__input_ooi=host["primary_key"]).count() == 1


def test_a_queue_declared_with_other_arguments_would_be_refused(vhost):
    """Why the declaration must match exactly: the broker refuses a second, different one."""
    _, url = vhost
    publisher = Broker(url)
    publisher.declare_openkat_queue(SCAN_PROFILE_MUTATIONS)
    with pytest.raises(ChannelClosedByBroker) as refused:
        publisher.channel.queue_declare(SCAN_PROFILE_MUTATIONS, durable=True, arguments={"x-queue-type": "quorum"})
    assert refused.value.reply_code == 406
    publisher.connection.close()


def test_ingest_run_consumes_the_configured_broker_for_the_configured_time(demo, vhost):
    name, url = vhost
    publisher = Broker(url)
    host = mutation(level=1)
    publisher.publish(SCAN_PROFILE_MUTATIONS, host)
    publisher.publish(SCAN_PROFILE_MUTATIONS, b"not json")

    settings = {"AMQP_URL": url, "INGEST_RUN_SECONDS": 2, "DEAD_LETTER_QUEUE": "ours.dead_letter"}
    with override_settings(ROCKY_SCHEDULER=settings):
        stats = ingest_run()

    assert stats == {
        "processed": 1,
        "dead_lettered": 1,
        "reconnects": 0,
        "database_errors": 0,
        "catalogue_errors": 0,
        "object_retries": 0,
    }
    assert Task.objects.filter(data__input_ooi=host["primary_key"]).count() == 1
    assert len(publisher.get_all("ours.dead_letter")) == 1
    publisher.close()


def test_ingest_run_without_amqp_url_returns_at_once_and_says_nothing_each_minute(caplog):
    with override_settings(ROCKY_SCHEDULER={"AMQP_URL": None}), caplog.at_level(logging.INFO):
        assert ingest_run() is None
    assert caplog.records == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (None, "AMQP_URL is not set"),
        ("amqp://guest:guest@127.0.0.1:5672/%2Fkat", "from RabbitMQ at 127.0.0.1:5672/kat"),
    ],
)
def test_the_cluster_says_once_at_start_how_events_arrive(caplog, url, says):
    with override_settings(ROCKY_SCHEDULER={"AMQP_URL": url}), caplog.at_level(logging.INFO):
        log_ingest_setup()
    (record,) = caplog.records
    assert says in record.getMessage()


def test_ingest_command_consumes_in_the_foreground(demo, vhost):
    _, url = vhost
    publisher = Broker(url)
    host = mutation(level=1)
    publisher.publish(SCAN_PROFILE_MUTATIONS, host)
    publisher.close()
    out = io.StringIO()

    with override_settings(ROCKY_SCHEDULER={"AMQP_URL": url}):
        call_command("ingest", seconds=1.5, stdout=out)

    assert json.loads(out.getvalue())["processed"] == 1
    assert Task.objects.filter(data__input_ooi=host["primary_key"]).count() == 1


def test_ingest_command_without_amqp_url_says_so():
    with override_settings(ROCKY_SCHEDULER={"AMQP_URL": None}), pytest.raises(CommandError, match=str(NO_AMQP_URL)):
        call_command("ingest", seconds=1)
