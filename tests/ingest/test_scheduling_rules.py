"""Messages published to RabbitMQ become exactly the tasks DESIGN.md "Scheduling" asks for."""

import pytest

from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services.scheduling import plugin_set_enabled
from tests.ingest.payloads import hostname, mutation, raw_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def boefjes_for(primary_key: str, *, status: str = TaskStatus.QUEUED) -> set[str]:
    tasks = Task.objects.filter(scheduler_id="boefje", data__input_ooi=primary_key, status=status)
    return set(tasks.values_list("data__boefje__id", flat=True))


def normalizers_for(message: dict) -> set[str]:
    tasks = Task.objects.filter(scheduler_id="normalizer", data__raw_data__id=message["raw_data"]["id"])
    return set(tasks.values_list("data__normalizer__id", flat=True))


def publish_and_consume(broker, consume, queue: str, *messages: dict):
    for message in messages:
        broker.publish(queue, message)
    consumer = consume()
    consumer.wait_handled(len(messages))
    stats = consumer.stop()
    assert stats.dead_lettered == 0
    return stats


@pytest.mark.parametrize(
    ("object_type", "level", "expected"),
    [
        ("Hostname", 0, set()),
        ("Hostname", 1, {"dns-records"}),
        ("IPAddressV4", 1, set()),
        ("IPAddressV4", 2, {"nmap"}),
        ("IPAddressV6", 2, {"nmap"}),
        ("Website", 2, {"ssl-certificates"}),
        ("Website", 3, {"ssl-certificates", "nuclei"}),
        ("HostnameHTTPURL", 4, {"nuclei"}),
        ("Network", 4, set()),
    ],
)
def test_mutation_schedules_the_enabled_boefjes_its_level_allows(
    demo, broker, queues, consume, object_type, level, expected
):
    message = mutation(object_type=object_type, level=level)
    publish_and_consume(broker, consume, queues.mutations, message)

    assert boefjes_for(message["primary_key"]) == expected


def test_level_raised_from_1_to_2_adds_the_level_2_boefjes(demo, broker, queues, consume):
    website = "Website|internet|192.0.2.1|tcp|443|https|internet|example.com"
    publish_and_consume(
        broker,
        consume,
        queues.mutations,
        mutation(primary_key=website, object_type="Website", level=1),
        mutation(primary_key=website, object_type="Website", level=2, operation="update"),
    )

    assert boefjes_for(website) == {"ssl-certificates"}


def test_delete_cancels_the_queued_tasks_of_that_object(demo, broker, queues, consume):
    target, bystander = hostname(), hostname()
    publish_and_consume(
        broker,
        consume,
        queues.mutations,
        mutation(primary_key=target, level=1),
        mutation(primary_key=bystander, level=1),
        mutation(primary_key=target, operation="delete"),
    )

    assert boefjes_for(target) == set()
    assert boefjes_for(target, status=TaskStatus.CANCELLED) == {"dns-records"}
    assert boefjes_for(bystander) == {"dns-records"}


def test_plugin_disabled_for_the_organisation_is_not_scheduled(demo, broker, queues, consume):
    plugin_set_enabled(organisation="acme", plugin_id="dns-records", enabled=False)
    for_acme = mutation(level=1, organisation="acme")
    for_globex = mutation(level=1, organisation="globex")

    publish_and_consume(broker, consume, queues.mutations, for_acme, for_globex)

    assert boefjes_for(for_acme["primary_key"]) == set()
    assert boefjes_for(for_globex["primary_key"]) == {"dns-records"}


@pytest.mark.parametrize(
    ("mime_types", "expected"),
    [
        (["boefje/dns-records"], {"kat_dns_normalize"}),
        (["boefje/nmap", "application/xml"], {"kat_nmap_normalize"}),
        (["boefje/dns-records", "boefje/nmap"], {"kat_dns_normalize", "kat_nmap_normalize"}),
        (["boefje/dns-records", "error/boefje"], set()),
        (["text/plain"], set()),
    ],
)
def test_raw_file_schedules_the_normalizers_of_its_mime_types(demo, broker, queues, consume, mime_types, expected):
    message = raw_file(mime_types=mime_types)
    publish_and_consume(broker, consume, queues.raw_files, message)

    assert normalizers_for(message) == expected


def test_both_queues_are_consumed_on_one_connection(demo, broker, queues, consume):
    host = mutation(level=1)
    raw = raw_file(mime_types=["boefje/dns-records"])
    broker.publish(queues.mutations, host)
    broker.publish(queues.raw_files, raw)

    consumer = consume()
    consumer.wait_handled(2)
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered, stats.reconnects) == (2, 0, 0)
    assert boefjes_for(host["primary_key"]) == {"dns-records"}
    assert normalizers_for(raw) == {"kat_dns_normalize"}
    assert broker.ready_count(queues.mutations) == broker.ready_count(queues.raw_files) == 0
