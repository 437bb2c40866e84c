"""Rocky's organisation access in the Rocky-shaped host, with Rocky's own model shapes (tools.Organization,
tools.OrganizationMember with groups and `blocked`) and Rocky's permissions, through knox tokens as Rocky's users
and runners call the API; and the guide's own policy example."""

import sys
import types

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from knox.models import AuthToken

from rocky_scheduler.access import EVERY_ORGANISATION, MAY_NOT_CHANGE_ORGANISATION, OrganisationScope, access_policy
from rocky_scheduler.access_rocky import RockyOrganisationAccess
from rocky_scheduler.models import Task
from rocky_scheduler.services import task_push
from tests.factories import boefje_data
from tests.rocky_host.tools.models import GROUP_CLIENT, GROUP_REDTEAM, Organization, OrganizationMember
from tests.support.api_clients import PREFIX
from tests.support.doc_snippets import snippet
from tests.support.users import make_superuser, make_user

pytestmark = pytest.mark.django_db


def tools_permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="tools")


def rocky_person(name: str, memberships: dict[str, str | None], *, blocked: tuple[str, ...] = ()):
    """A user who is only what Rocky says: members of organisations (code -> group), none of the test host's
    global permissions."""
    user = make_user(name, is_staff=True)
    user.user_permissions.clear()
    OrganizationMember.objects.filter(user=user).delete()
    redteam, _ = Group.objects.get_or_create(name=GROUP_REDTEAM)
    redteam.permissions.add(tools_permission("can_scan_organization"))
    Group.objects.get_or_create(name=GROUP_CLIENT)
    for code, group in memberships.items():
        organization, _ = Organization.objects.get_or_create(code=code, defaults={"name": code.title()})
        member = OrganizationMember.objects.create(
            user=user, organization=organization, onboarded=True, blocked=code in blocked
        )
        if group:
            member.groups.add(Group.objects.get(name=group))
    return user


def knox_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")


def push(organisation: str) -> str:
    data = boefje_data(organisation=organisation)
    return str(task_push(scheduler_id="boefje", organisation=organisation, data=data, actor="system:test").pk)


def test_the_host_chooses_rockys_policy_as_the_guide_says():
    assert settings.ROCKY_SCHEDULER["ORGANISATION_ACCESS"] == "rocky_scheduler.access_rocky.RockyOrganisationAccess"
    assert isinstance(access_policy(), RockyOrganisationAccess)


def test_members_see_their_organisations_but_not_blocked_ones_and_change_where_rocky_lets_them_scan():
    policy = RockyOrganisationAccess()
    user = rocky_person(
        "member", {"alpha": GROUP_REDTEAM, "beta": GROUP_CLIENT, "gamma": GROUP_REDTEAM}, blocked=("gamma",)
    )
    assert policy.visible(user) == OrganisationScope.only({"alpha", "beta"})
    assert [policy.may_change(user, code) for code in ("alpha", "beta", "gamma", "delta")] == [
        True,
        False,
        False,
        False,
    ]


def test_rockys_all_organisations_permission_and_superusers_see_everything():
    policy = RockyOrganisationAccess()
    auditor = rocky_person("auditor", {})
    auditor.user_permissions.add(tools_permission("can_access_all_organizations"))
    auditor = type(auditor).objects.get(pk=auditor.pk)  # permissions are cached on the instance
    assert policy.visible(auditor) == EVERY_ORGANISATION
    assert not policy.may_change(auditor, "alpha")
    root = make_superuser("root")
    assert policy.visible(root) == EVERY_ORGANISATION and policy.may_change(root, "alpha")


def test_a_rocky_client_reads_its_organisation_over_the_api_and_may_not_cancel_there():
    alpha, beta = push("alpha"), push("beta")
    user = rocky_person("client", {"alpha": GROUP_CLIENT})
    user.groups.add(Group.objects.get(name="scheduler-analysts"))
    api = knox_client(user)
    listed = api.get(f"{PREFIX}/tasks").json()
    assert [task["id"] for task in listed["results"]] == [alpha]
    assert api.get(f"{PREFIX}/tasks/{beta}").status_code == 404
    cancelled = api.patch(f"{PREFIX}/tasks/{alpha}", {"status": "cancelled"}, content_type="application/json")
    assert cancelled.status_code == 403
    assert cancelled.json()["detail"] == MAY_NOT_CHANGE_ORGANISATION.format(organisation="alpha")


def test_a_runner_with_rockys_token_serves_every_organisation_unless_it_is_a_member_of_some():
    pushed = {code: push(code) for code in ("alpha", "beta")}
    runner = rocky_person("runner", {})
    runner.groups.add(Group.objects.get(name="scheduler-workers"))
    popped = knox_client(runner).post(f"{PREFIX}/schedulers/boefje/pop?limit=10", content_type="application/json")
    assert sorted(task["id"] for task in popped.json()["results"]) == sorted(pushed.values())

    more = {code: push(code) for code in ("alpha", "beta")}
    alpha_runner = rocky_person("alpha-runner", {"alpha": None})
    alpha_runner.groups.add(Group.objects.get(name="scheduler-workers"))
    api = knox_client(alpha_runner)
    popped = api.post(f"{PREFIX}/schedulers/boefje/pop?limit=10", content_type="application/json")
    assert [task["id"] for task in popped.json()["results"]] == [more["alpha"]]
    assert (
        api.patch(f"{PREFIX}/tasks/{more['beta']}", {"status": "running"}, content_type="application/json").status_code
        == 404
    )


def test_the_guides_own_policy_keeps_memberships_and_leaves_changes_to_superusers(settings):
    module = types.ModuleType("guide_scheduler_access")
    exec(snippet("access-policy"), module.__dict__)  # noqa: S102 - our own documentation
    sys.modules[module.__name__] = module
    try:
        settings.ROCKY_SCHEDULER = {
            **settings.ROCKY_SCHEDULER,
            "ORGANISATION_ACCESS": f"{module.__name__}.ReadOnlyRockyAccess",
        }
        alpha, beta = push("alpha"), push("beta")
        member = rocky_person("redteamer", {"alpha": GROUP_REDTEAM})
        member.groups.add(Group.objects.get(name="scheduler-analysts"))
        api = knox_client(member)
        assert api.get(f"{PREFIX}/tasks").json()["count"] == 1
        assert api.get(f"{PREFIX}/tasks/{beta}").status_code == 404
        refused = api.patch(f"{PREFIX}/tasks/{alpha}", {"priority": 1}, content_type="application/json")
        assert refused.status_code == 403
        root = knox_client(make_superuser("root"))
        assert (
            root.patch(f"{PREFIX}/tasks/{alpha}", {"priority": 1}, content_type="application/json").status_code == 200
        )
        assert Task.objects.get(pk=alpha).priority == 1
    finally:
        del sys.modules[module.__name__]
