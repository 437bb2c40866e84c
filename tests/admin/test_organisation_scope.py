"""The access policy in the admin: a person scoped to one organisation lists, filters, opens and acts on only its
tasks, schedules and history; counts are of their organisations. Both projects (tests/support/access.py)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from rocky_scheduler.access import MAY_NOT_CHANGE_ORGANISATION
from rocky_scheduler.admin.filters import OrganisationFilter
from rocky_scheduler.models import Organisation, Task, TaskStatus
from tests.admin.conftest import change, changelist, messages_of, push_tasks, run_action
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

OWN, OTHER = "alpha", "beta"


@pytest.fixture
def tasks() -> dict[str, list[Task]]:
    for code in (OWN, OTHER, "gamma"):
        Organisation.objects.get_or_create(code=code, defaults={"name": code.title()})
    return {OWN: push_tasks(2, organisation=OWN), OTHER: push_tasks(3, organisation=OTHER)}


def scoped_staff(
    scope_to, name: str, *, change: bool = True, permissions: tuple[str, ...] = (), organisations=(OWN,)
) -> Client:
    user = make_user(name, is_staff=True)
    user.groups.add(Group.objects.get(name="scheduler-analysts"))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="rocky_scheduler"))
    scope_to(user, list(organisations), change=change)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst(scope_to) -> Client:
    return scoped_staff(scope_to, "alpha-analyst")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_the_task_list_and_its_organisation_filter_show_only_the_users_organisation(analyst, tasks):
    response = analyst.get(changelist("task"))
    assert {task.organisation for task in listed(response)} == {OWN}
    assert len(listed(response)) == 2
    (organisations,) = [spec for spec in response.context["cl"].filter_specs if isinstance(spec, OrganisationFilter)]
    assert [code for code, _ in organisations.lookup_choices] == [OWN]
    # A link naming another organisation lists nothing and offers no such choice.
    response = analyst.get(changelist("task") + f"?organisation={OTHER}")
    assert listed(response) == []
    (organisations,) = [spec for spec in response.context["cl"].filter_specs if isinstance(spec, OrganisationFilter)]
    assert [code for code, _ in organisations.lookup_choices] == [OWN]


def test_another_organisations_task_page_is_not_found(analyst, tasks):
    assert analyst.get(change("task", tasks[OWN][0].pk)).status_code == 200
    response = analyst.get(change("task", tasks[OTHER][0].pk), follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].endswith("/admin/")
    assert any("doesn’t exist" in message for message in messages_of(response))


def test_actions_reach_only_the_users_organisation(analyst, tasks):
    run_action(analyst, "task", "cancel", [*tasks[OWN], *tasks[OTHER]])
    statuses = dict(Task.objects.values_list("pk", "status"))
    assert {statuses[task.pk] for task in tasks[OWN]} == {TaskStatus.CANCELLED}
    assert {statuses[task.pk] for task in tasks[OTHER]} == {TaskStatus.QUEUED}


def test_a_person_who_may_only_see_an_organisation_cannot_act_on_it(scope_to, tasks):
    viewer = scoped_staff(scope_to, "alpha-viewer", change=False)
    response = run_action(viewer, "task", "cancel", tasks[OWN])
    assert f"2 tasks refused: {MAY_NOT_CHANGE_ORGANISATION.format(organisation=OWN)}" in messages_of(response)
    assert set(Task.objects.filter(organisation=OWN).values_list("status", flat=True)) == {TaskStatus.QUEUED}
    # Its task pages are view-only.
    page = viewer.get(change("task", tasks[OWN][0].pk))
    assert page.status_code == 200 and 'name="priority"' not in page.content.decode()


def test_schedules_history_and_queue_counts_are_of_the_users_organisation(analyst, tasks):
    schedules = listed(analyst.get(changelist("schedule")))
    assert {schedule.organisation for schedule in schedules} == {OWN}
    assert analyst.get(change("schedule", tasks[OTHER][0].schedule_id), follow=True).redirect_chain
    events = listed(analyst.get(changelist("taskevent")))
    assert {event.task_id for event in events} == {task.pk for task in tasks[OWN]}
    (boefje,) = [row for row in listed(analyst.get(changelist("scheduler"))) if row.pk == "boefje"]
    assert boefje.queued_tasks == 2


def test_the_catalogue_shows_only_the_users_organisations(scope_to, tasks):
    keeper = scoped_staff(
        scope_to,
        "keeper",
        permissions=("view_organisation", "view_pluginenablement"),
        organisations=(OWN, "gamma"),
    )
    listed_organisations = listed(keeper.get(changelist("organisation")))
    assert sorted(organisation.code for organisation in listed_organisations) == [OWN, "gamma"]
    response = keeper.get(changelist("pluginenablement"))
    (choices,) = [spec for spec in response.context["cl"].filter_specs if spec.title == "organisation"]
    assert sorted(pk for pk, _ in choices.lookup_choices) == sorted(
        organisation.pk for organisation in listed_organisations
    )


def test_search_finds_nothing_of_another_organisation(analyst, tasks):
    other = tasks[OTHER][0]
    assert listed(analyst.get(changelist("task") + f"?q={str(other.pk)[:8]}")) == []
    assert listed(analyst.get(changelist("task") + f"?q={OTHER}")) == []
    own = tasks[OWN][0]
    assert [task.pk for task in listed(analyst.get(changelist("task") + f"?q={str(own.pk)[:8]}"))] == [own.pk]
