"""A boefje's openkat/deschedule raw file switches its schedule off, and nothing queues it again until a person does."""

import datetime

import pytest
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.messages import DESCHEDULE_WITHOUT_BOEFJE
from rocky_scheduler.models import Schedule, ScheduleEvent, Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_transition
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS, ingest_message
from rocky_scheduler.services.schedule_admin import schedule_set_enabled
from rocky_scheduler.services.scheduling import plugin_set_enabled, schedule_due_push
from rocky_scheduler.services.scheduling.deschedule import ACTOR
from rocky_scheduler.services.scheduling.rescheduling import ACTOR as RESCHEDULER
from tests.ingest.payloads import raw_file
from tests.scheduling.conftest import mutation
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

HOST = "Hostname|internet|never.example.com"
DESCHEDULE = ["openkat/deschedule", "boefje/dns-records"]


def deschedule_message(*, input_ooi: str = HOST, organisation: str = "acme") -> dict:
    message = raw_file(mime_types=DESCHEDULE, boefje_id="dns-records", organisation=organisation)
    message["raw_data"]["boefje_meta"]["input_ooi"] = input_ooi
    return message


def the_schedule(input_ooi: str = HOST, organisation: str = "acme") -> Schedule:
    return Schedule.objects.get(hash=digest(f"{input_ooi}-dns-records-{organisation}"))


def queued_boefjes(input_ooi: str = HOST) -> int:
    return Task.objects.filter(scheduler_id="boefje", data__input_ooi=input_ooi, status=TaskStatus.QUEUED).count()


def mutate(level: int = 1, *, input_ooi: str = HOST, operation: str = "create") -> None:
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(input_ooi, "Hostname", level, operation=operation))


def test_over_http_it_disables_the_schedule_cancels_its_queued_task_and_queues_no_normalizer(
    either_catalogue, worker_api
):
    mutate()
    [queued] = Task.objects.filter(status=TaskStatus.QUEUED)
    message = deschedule_message()
    raw_file_id = message["raw_data"]["id"]

    response = worker_api.post(f"{PREFIX}/ingest/raw_file_received", message, format="json")

    assert response.status_code == 202
    assert response.json()["results"][0]["cancelled"] == 1
    assert response.json()["scheduled"] == 0
    schedule = the_schedule()
    assert schedule.enabled is False
    assert schedule.descheduled_by_raw_file == raw_file_id
    assert timezone.now() - schedule.descheduled_at < datetime.timedelta(minutes=1)
    [event] = schedule.events.filter(kind=ScheduleEvent.Kind.DISABLED)
    assert raw_file_id in event.reason and event.actor == ACTOR
    cancel = TaskEvent.objects.get(task=queued, to_status=TaskStatus.CANCELLED)
    assert raw_file_id in cancel.reason and cancel.actor == ACTOR
    # Its other mime type (boefje/dns-records) has a normalizer, but the file holds a reason, not DNS records.
    assert not Task.objects.filter(scheduler_id="normalizer").exists()
    assert Schedule.objects.count() == 1


def test_a_repeated_message_changes_nothing_more(either_catalogue):
    mutate()
    message = deschedule_message()
    ingest_message(queue=RAW_FILE_RECEIVED, payload=message)
    first = the_schedule()

    ingest_message(queue=RAW_FILE_RECEIVED, payload=message, redelivered=True)
    ingest_message(queue=RAW_FILE_RECEIVED, payload=message)

    again = the_schedule()
    assert (again.descheduled_at, again.modified_at) == (first.descheduled_at, first.modified_at)
    assert again.events.filter(kind=ScheduleEvent.Kind.DISABLED).count() == 1


def test_nothing_queues_a_descheduled_schedule_again(either_catalogue):
    mutate()
    [task] = task_pop(scheduler_id="boefje")
    task_transition(task_id=task.id, status=TaskStatus.RUNNING)
    ingest_message(queue=RAW_FILE_RECEIVED, payload=deschedule_message())
    task_transition(task_id=task.id, status=TaskStatus.COMPLETED)  # the run that said "never" finishes
    Schedule.objects.update(deadline_at=timezone.now() - datetime.timedelta(days=30))

    Task.objects.filter(status=TaskStatus.COMPLETED).update(modified_at=timezone.now() - datetime.timedelta(days=30))
    mutate(level=2, operation="update")
    plugin_set_enabled(organisation="acme", plugin_id="dns-records", enabled=False)
    plugin_set_enabled(organisation="acme", plugin_id="dns-records", enabled=True)
    assert schedule_due_push().queued == 0

    assert queued_boefjes() == 0
    assert the_schedule().enabled is False


def test_without_a_schedule_yet_one_is_created_disabled_so_a_later_mutation_does_not_run_it(either_catalogue):
    ingest_message(queue=RAW_FILE_RECEIVED, payload=deschedule_message())

    schedule = the_schedule()
    assert (schedule.enabled, schedule.scheduler_id, schedule.data["input_ooi"]) == (False, "boefje", HOST)
    mutate()
    assert queued_boefjes() == 0


def test_enabling_it_through_the_api_clears_the_descheduling_and_names_who(catalogue, admin_api):
    mutate()
    ingest_message(queue=RAW_FILE_RECEIVED, payload=deschedule_message())
    schedule = the_schedule()

    response = admin_api.patch(f"{PREFIX}/schedules/{schedule.pk}", {"enabled": True}, format="json")

    assert (response.status_code, response.json()["enabled"]) == (200, True)
    schedule.refresh_from_db()
    assert (schedule.descheduled_at, schedule.descheduled_by_raw_file) == (None, "")
    enabled = schedule.events.get(kind=ScheduleEvent.Kind.ENABLED)
    assert enabled.actor.startswith("user:")
    Task.objects.update(modified_at=timezone.now() - datetime.timedelta(days=30))
    mutate(level=2, operation="update")
    assert queued_boefjes() == 1


def test_a_schedule_a_person_disabled_is_not_queued_by_a_mutation(either_catalogue):
    mutate()
    task_transition(task_id=Task.objects.get().pk, status=TaskStatus.CANCELLED)
    schedule_set_enabled(schedule_id=the_schedule().pk, enabled=False, actor="user:ana")

    mutate(level=2, operation="update")

    assert queued_boefjes() == 0


def test_a_schedule_the_rescheduler_disabled_for_a_failed_condition_is_queued_when_a_mutation_lifts_it(catalogue):
    mutate()
    task_transition(task_id=Task.objects.get().pk, status=TaskStatus.CANCELLED)
    schedule = the_schedule()
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False)
    ScheduleEvent.objects.create(schedule=schedule, kind=ScheduleEvent.Kind.DISABLED, actor=RESCHEDULER, reason="lvl")

    mutate(level=2, operation="update")

    assert queued_boefjes() == 1


def test_a_deschedule_raw_file_without_its_boefje_is_refused(catalogue, worker_api):
    message = deschedule_message()
    del message["raw_data"]["boefje_meta"]["boefje"]

    response = worker_api.post(f"{PREFIX}/ingest/raw_file_received", message, format="json")

    assert response.status_code == 400
    assert DESCHEDULE_WITHOUT_BOEFJE.format(mime_type="openkat/deschedule") in response.json()["detail"]
    assert not Schedule.objects.exists()
