"""KATalogus or Octopoes down while events arrive (the OpenKAT catalogue on the stand-ins): the events
wait in their queue and are scheduled once the service is back, none is dead-lettered for the outage."""

import pytest

from rocky_scheduler.models import Task
from tests.ingest.broker import wait_until
from tests.ingest.payloads import mutation
from tests.support.openkat_data import openkat_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def boefjes_for(message: dict) -> set[str]:
    return set(Task.objects.filter(data__input_ooi=message["primary_key"]).values_list("data__boefje__id", flat=True))


@pytest.mark.parametrize("how", ["refused", "503"])
def test_events_met_by_a_katalogus_outage_are_requeued_and_scheduled_when_it_is_back(
    openkat_setting, katalogus, broker, queues, consume, how
):
    katalogus.down(how)
    messages = [mutation(level=1, organisation=organisation) for organisation in ("acme", "globex")]
    for message in messages:
        broker.publish(queues.mutations, message)
    consumer = consume()
    wait_until(lambda: consumer.stats.catalogue_errors >= 2, what="the consumer to meet the outage twice")
    assert not Task.objects.exists()

    katalogus.up()
    wait_until(lambda: all(boefjes_for(message) for message in messages), what="the events after the outage")
    stats = consumer.stop()

    assert (stats.processed, stats.dead_lettered) == (2, 0)
    assert broker.get_all(queues.dead_letter) == []
    for message in messages:
        assert boefjes_for(message) == openkat_data().boefjes_for(message["client_id"], "Hostname", 1)
