"""OpenKAT #2488: an event can arrive before its object is readable in Octopoes. With the OpenKAT catalogue a
task is queued only once the stand-in Octopoes shows the object, looked for with a bound; the embedded
catalogue, whose objects are the events, queues at once as before."""

import threading
import time

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.errors import ObjectNotConfirmed
from rocky_scheduler.models import ProcessedMessage, Task
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message
from tests.ingest.payloads import mutation
from tests.support.openkat_data import openkat_data

pytestmark = pytest.mark.django_db

DATA = openkat_data()


def with_settings(**keys):
    return override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | keys)


def boefjes_for(primary_key: str) -> set[str]:
    return set(Task.objects.filter(data__input_ooi=primary_key).values_list("data__boefje__id", flat=True))


def later(seconds: float, action) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_an_object_that_appears_after_half_a_second_gets_its_tasks_from_the_one_event(openkat_setting, octopoes):
    message = mutation(level=1, organisation="acme")
    primary_key = message["primary_key"]
    timer = later(0.5, lambda: octopoes.put("acme", primary_key, "Hostname", 1))
    started = time.monotonic()
    outcome = ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=message)
    elapsed = time.monotonic() - started
    timer.join()

    assert boefjes_for(primary_key) == DATA.boefjes_for("acme", "Hostname", 1)
    assert len(outcome.scheduled) == len(DATA.boefjes_for("acme", "Hostname", 1))
    # It waited for Octopoes, and no longer than the bound.
    assert 0.5 <= elapsed < 1.5
    # Looked for again with a backoff, not in a busy loop; once found, not asked again per plugin.
    assert 2 <= octopoes.requests_to("/acme/object") <= 8


def test_an_object_that_never_appears_gets_no_task_and_the_event_is_not_recorded(openkat_setting, octopoes):
    message = mutation(level=1, organisation="acme")
    started = time.monotonic()
    with with_settings(OBJECT_CONFIRM_SECONDS=0.4), pytest.raises(ObjectNotConfirmed) as raised:
        ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=message)
    elapsed = time.monotonic() - started

    assert 0.4 <= elapsed < 1.2
    assert message["primary_key"] in raised.value.message and "not in Octopoes" in raised.value.message
    assert not Task.objects.exists()
    # Rolled back whole: a later delivery of the same message is processed, not skipped as a repeat.
    assert not ProcessedMessage.objects.exists()
    assert 2 <= octopoes.requests_to("/acme/object") <= 6


def test_an_object_octopoes_already_has_costs_one_look_up(openkat_setting, octopoes):
    ooi = next(ooi for ooi in DATA.objects["acme"].values() if ooi["object_type"] == "Hostname")
    message = mutation(primary_key=ooi["primary_key"], level=2, organisation="acme", operation="update")
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=message)
    assert boefjes_for(ooi["primary_key"]) == DATA.boefjes_for("acme", "Hostname", 2)
    assert octopoes.requests_to("/acme/object") == 1


def test_an_event_that_queues_nothing_asks_octopoes_nothing(openkat_setting, octopoes):
    # Level 0 scans nothing; an object type no enabled boefje consumes has nothing to queue either.
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(level=0, organisation="acme"))
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(object_type="Nothing", level=4))
    assert not Task.objects.exists()
    assert octopoes.requests == 0


def test_the_embedded_catalogue_queues_at_once_without_looking_anywhere(octopoes):
    demo_seed(username="demo", password="demo-pw")
    message = mutation(level=1, organisation="acme")
    started = time.monotonic()
    outcome = ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=message)
    assert time.monotonic() - started < 0.5
    assert outcome.scheduled and boefjes_for(message["primary_key"]) == {"dns-records"}
    assert octopoes.requests == 0
