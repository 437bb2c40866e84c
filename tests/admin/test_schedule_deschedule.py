"""The admin shows why a boefje de-scheduled a schedule, and enabling it again is one action."""

import pytest
from django.contrib.messages import get_messages
from django.utils.html import escape

from rocky_scheduler.models import Schedule, ScheduleEvent
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS, ingest_message
from tests.admin.conftest import change, changelist
from tests.ingest.payloads import hostname, mutation, raw_file
from tests.support.users import actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def descheduled() -> tuple[Schedule, str]:
    demo_seed(username="demo", password="demo-pw")
    host = hostname()
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(primary_key=host, level=1))
    message = raw_file(mime_types=["openkat/deschedule"], boefje_id="dns-records")
    message["raw_data"]["boefje_meta"]["input_ooi"] = host
    ingest_message(queue=RAW_FILE_RECEIVED, payload=message)
    return Schedule.objects.get(data__input_ooi=host), message["raw_data"]["id"]


def test_list_and_change_page_show_when_which_raw_file_and_why(admin_client, descheduled):
    schedule, raw_file_id = descheduled
    reason = escape(schedule.events.get(kind=ScheduleEvent.Kind.DISABLED).reason)

    listing = admin_client.get(changelist("schedule")).content.decode()
    page = admin_client.get(change("schedule", schedule.pk)).content.decode()

    assert f"raw file {raw_file_id[:8]}" in listing and reason in listing
    assert raw_file_id in page and reason in page
    only_descheduled = admin_client.get(changelist("schedule") + "?descheduled_at__isempty=0").content.decode()
    assert str(schedule.pk)[:8] in only_descheduled


def test_the_enable_action_runs_it_again_and_clears_the_descheduling(admin_client, descheduled):
    schedule, _ = descheduled

    response = admin_client.post(
        changelist("schedule"), {"action": "enable", "_selected_action": [schedule.pk]}, follow=True
    )

    assert "Enabled 1 schedule." in [str(message) for message in get_messages(response.wsgi_request)]
    schedule.refresh_from_db()
    assert (schedule.enabled, schedule.descheduled_at, schedule.descheduled_by_raw_file) == (True, None, "")
    enabled = schedule.events.get(kind=ScheduleEvent.Kind.ENABLED)
    assert enabled.actor == actor("admin")
    assert Schedule.objects.count() == 1
