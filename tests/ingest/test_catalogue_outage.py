"""KATalogus or Octopoes down while events arrive (the OpenKAT catalogue on the stand-ins): the events
wait in their queue and are scheduled once the service is back, none is dead-lettered for the outage (nor
taken for an object Octopoes does not have)."""

import pytest

from rocky_scheduler.models import Task
from tests.ingest.broker import wait_until
from tests.ingest.payloads import mutation
from tests.support.openkat_data import openkat_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def boefjes_for(message: dict) -> set[str]:
    return set(Task.objects.filter(data__input_ooi=message["primary_key"]).values_list("data__boefje__id", flat=True))


OUTAGES = [("katalogus", "refused"), ("katalogus", "503"), ("octopoes", "refused"), ("octopoes", "garbage")]


@pytest.mark.parametrize(("service", "how"), OUTAGES)
def test_events_met_by_an_outage_are_requeued_and_scheduled_when_the_service_is_back(
    openkat_setting, katalogus, octopoes, broker, queues, consume, service, how
):
    messages = [mutation(level=1, organisation=organisation) for organisation in ("acme", "globex")]
    for message in messages:
        # Octopoes publishes an event for an object it holds; the scheduler looks it up before queueing work.
        octopoes.put(message["client_id"], message["primary_key"], "Hostname", 1)
    down = {"katalogus": katalogus, "octopoes": octopoes}[service]
    down.down(how)
    for message in messages:
        broker.publish(queues.mutations, message)
    consumer = consume()
    wait_until(lambda: consumer.stats.catalogue_errors >= 2, what="the consumer to meet the outage twice")
    assert not Task.objects.exists()

    down.up()
    wait_until(lambda: all(boefjes_for(message) for message in messages), what="the events after the outage")
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered) == (2, 0)
    assert broker.get_all(queues.dead_letter) == []
    for message in messages:
        assert boefjes_for(message) == openkat_data().boefjes_for(message["client_id"], "Hostname", 1)
