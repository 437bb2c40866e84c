"""The catalogue in the admin: switching a boefje on schedules it; editing an OOI is a mutation."""

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement, Task, TaskStatus
from rocky_scheduler.services.plugin_enablement import plugin_enablement_set
from tests.admin.conftest import change, changelist, messages_of, run_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db) -> Organisation:
    return Organisation.objects.create(code="acme", name="ACME")


@pytest.fixture
def nmap(db) -> Plugin:
    return Plugin.objects.create(id="nmap", type="boefje", name="Nmap", scan_level=2, consumes=["IPAddressV4"])


def add_oois(organisation: Organisation, count: int, *, level: int = 2) -> None:
    OOI.objects.bulk_create(
        OOI(
            organisation=organisation,
            primary_key=f"IPAddressV4|internet|192.0.2.{index}",
            object_type="IPAddressV4",
            scan_level=level,
        )
        for index in range(count)
    )


def test_adding_an_enablement_schedules_the_boefje_for_its_objects(admin_client, acme, nmap):
    add_oois(acme, 3)
    add_oois(Organisation.objects.create(code="globex", name="Globex"), 2)

    response = admin_client.post(
        reverse("admin:rocky_scheduler_pluginenablement_add"),
        {"organisation": acme.pk, "plugin": "nmap", "enabled": "on"},
        follow=True,
    )

    assert response.status_code == 200
    assert PluginEnablement.objects.get(organisation=acme, plugin=nmap).enabled
    assert Task.objects.filter(organisation="acme", status=TaskStatus.QUEUED).count() == 3
    assert not Task.objects.filter(organisation="globex").exists()
    assert "nmap enabled for acme: 3 tasks queued, 0 skipped." in messages_of(response)


def test_switching_an_enablement_on_in_its_form_schedules_and_off_schedules_nothing(admin_client, acme, nmap):
    add_oois(acme, 2)
    enablement = PluginEnablement.objects.create(organisation=acme, plugin=nmap, enabled=False)

    admin_client.post(change("pluginenablement", enablement.pk), {"enabled": "on"}, follow=True)
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 2

    admin_client.post(change("pluginenablement", enablement.pk), {}, follow=True)
    assert not PluginEnablement.objects.get(pk=enablement.pk).enabled
    assert Task.objects.count() == 2


def test_enable_action_reports_what_it_did(admin_client, acme, nmap):
    add_oois(acme, 2)
    off = PluginEnablement.objects.create(organisation=acme, plugin=nmap, enabled=False)
    dns = Plugin.objects.create(id="dns-records", type="boefje", name="DNS", scan_level=1, consumes=["Hostname"])
    on = PluginEnablement.objects.create(organisation=acme, plugin=dns, enabled=True)

    response = run_action(admin_client, "pluginenablement", "enable", [off, on])

    assert messages_of(response) == [
        "Enabled 1 plugin enablement.",
        "1 plugin enablement already enabled.",
        "2 tasks queued; 0 handed to the background (django-q2).",
    ]


def test_a_large_set_is_handed_to_django_q2_after_the_switch_commits(acme, nmap, django_capture_on_commit_callbacks):
    add_oois(acme, 5)
    handed: list[tuple[str, str]] = []

    with django_capture_on_commit_callbacks(execute=True):
        result = plugin_enablement_set(
            organisation="acme",
            plugin_id="nmap",
            enabled=True,
            inline_limit=4,
            defer=lambda organisation, plugin_id: handed.append((organisation, plugin_id)),
        )

    assert (result.deferred, result.changed, result.enablement.enabled) == (True, True, True)
    assert handed == [("acme", "nmap")]
    assert not Task.objects.exists()


def test_the_default_hand_off_queues_the_django_q2_job(acme, nmap, django_capture_on_commit_callbacks):
    add_oois(acme, 3)

    with django_capture_on_commit_callbacks(execute=True):
        plugin_enablement_set(organisation="acme", plugin_id="nmap", enabled=True, inline_limit=2)

    [queued] = OrmQ.objects.all()
    assert queued.func() == "rocky_scheduler.jobs.plugin_schedule_everywhere"
    assert queued.task["args"] == ("acme", "nmap")


def test_the_job_schedules_what_the_admin_handed_it(acme, nmap):
    from rocky_scheduler.jobs import plugin_schedule_everywhere

    add_oois(acme, 3)
    plugin_enablement_set(organisation="acme", plugin_id="nmap", enabled=True, inline_limit=2, defer=lambda *_: None)

    assert plugin_schedule_everywhere("acme", "nmap")["scheduled"] == 3


def test_saving_an_ooi_with_a_higher_level_schedules_like_a_mutation(admin_client, acme, nmap):
    PluginEnablement.objects.create(organisation=acme, plugin=nmap, enabled=True)
    add_oois(acme, 1, level=0)
    ooi = OOI.objects.get()

    response = admin_client.post(
        change("ooi", ooi.pk),
        {"object_type": "IPAddressV4", "scan_level": "2", "scan_profile_type": "declared"},
        follow=True,
    )

    ooi.refresh_from_db()
    assert (ooi.scan_level, ooi.scan_profile_type) == (2, "declared")
    task = Task.objects.get()
    assert (task.data["input_ooi"], task.data["boefje"]["id"]) == (ooi.primary_key, "nmap")
    assert f"{ooi.primary_key}: 1 tasks queued, 0 skipped, 0 cancelled." in messages_of(response)


def test_deleting_an_ooi_cancels_its_queued_tasks(admin_client, acme, nmap):
    PluginEnablement.objects.create(organisation=acme, plugin=nmap, enabled=True)
    add_oois(acme, 1, level=0)
    ooi = OOI.objects.get()
    admin_client.post(change("ooi", ooi.pk), {"object_type": "IPAddressV4", "scan_level": "2"})
    task = Task.objects.get()

    admin_client.post(reverse("admin:rocky_scheduler_ooi_delete", args=[ooi.pk]), {"post": "yes"}, follow=True)

    assert not OOI.objects.exists()
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED


def test_catalogue_lists_open(admin_client, acme, nmap):
    add_oois(acme, 3)
    PluginEnablement.objects.create(organisation=acme, plugin=nmap)

    for model in ("organisation", "plugin", "pluginenablement", "ooi"):
        assert admin_client.get(changelist(model)).status_code == 200, model
    assert admin_client.get(changelist("ooi") + "?scan_level=2").context["cl"].result_count == 3
