"""A de-schedule raw file published to RabbitMQ switches the schedule off, as over HTTP."""

import pytest

from rocky_scheduler.models import Schedule, ScheduleEvent, Task, TaskStatus
from tests.ingest.payloads import hostname, mutation, raw_file
from tests.ingest.test_scheduling_rules import publish_and_consume

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_deschedule_raw_file_from_rabbitmq_disables_the_schedule_and_cancels_its_task(demo, broker, queues, consume):
    host = hostname()
    publish_and_consume(broker, consume, queues.mutations, mutation(primary_key=host, level=1))
    deschedule = raw_file(mime_types=["openkat/deschedule", "boefje/dns-records"], boefje_id="dns-records")
    deschedule["raw_data"]["boefje_meta"]["input_ooi"] = host

    # Delivered twice (a publisher retry): the second changes nothing.
    publish_and_consume(broker, consume, queues.raw_files, deschedule, deschedule)

    schedule = Schedule.objects.get(data__input_ooi=host)
    assert (schedule.enabled, schedule.descheduled_by_raw_file) == (False, deschedule["raw_data"]["id"])
    assert schedule.events.filter(kind=ScheduleEvent.Kind.DISABLED).count() == 1
    assert Task.objects.get(data__input_ooi=host).status == TaskStatus.CANCELLED
    assert not Task.objects.filter(scheduler_id="normalizer").exists()
