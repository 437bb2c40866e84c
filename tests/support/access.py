"""Users who see only some organisations, in whichever project the tests run.

The standalone project has no organisation memberships, so its tests choose a small policy of their own:
Django groups named `organisation:<code>` (see and change) and `organisation-view:<code>` (see only). The
Rocky-shaped host chooses the shipped Rocky policy (docs/rocky-integration.md) and gets Rocky's memberships:
the user loses `can_access_all_organizations` and `can_scan_organization` (tests/conftest.py gives them to
everyone) and its memberships
become exactly the organisations given, with Rocky's red team group where it may change them.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationAccess, OrganisationScope

CHANGE_PREFIX = "organisation:"
VIEW_PREFIX = "organisation-view:"
GROUP_POLICY = "tests.support.access.GroupOrganisationAccess"
ROCKY_POLICY = "rocky_scheduler.access_rocky.RockyOrganisationAccess"


class GroupOrganisationAccess(OrganisationAccess):
    """Organisations from group names: `organisation:<code>` to see and change, `organisation-view:<code>` to see."""

    def _codes(self, user: Any, *prefixes: str) -> frozenset[str]:
        names = user.groups.values_list("name", flat=True)
        return frozenset(name.split(":", 1)[1] for name in names if name.startswith(prefixes))

    def visible(self, user: Any) -> OrganisationScope:
        return OrganisationScope.only(self._codes(user, CHANGE_PREFIX, VIEW_PREFIX))

    def may_change(self, user: Any, organisation: str) -> bool:
        return organisation in self._codes(user, CHANGE_PREFIX)

    def worker_scope(self, user: Any) -> OrganisationScope:
        codes = self._codes(user, CHANGE_PREFIX, VIEW_PREFIX)
        return OrganisationScope.only(codes) if codes else EVERY_ORGANISATION


def in_rocky_host() -> bool:
    return django_settings.AUTH_USER_MODEL == "account.KATUser"


def scoping(settings: Any) -> Callable[..., Any]:
    """The `scope_to` fixture's function; `settings` is pytest-django's fixture (restored after the test)."""
    if in_rocky_host():
        assert django_settings.ROCKY_SCHEDULER["ORGANISATION_ACCESS"] == ROCKY_POLICY
        return _rocky_member_of
    settings.ROCKY_SCHEDULER = {**getattr(settings, "ROCKY_SCHEDULER", {}), "ORGANISATION_ACCESS": GROUP_POLICY}
    return _group_member_of


def _group_member_of(user: Any, organisations: list[str], *, change: bool = True) -> Any:
    prefix = CHANGE_PREFIX if change else VIEW_PREFIX
    for code in organisations:
        user.groups.add(Group.objects.get_or_create(name=f"{prefix}{code}")[0])
    return user


def _rocky_member_of(user: Any, organisations: list[str], *, change: bool = True) -> Any:
    from tests.rocky_host.tools.models import GROUP_REDTEAM, Organization, OrganizationMember

    user.user_permissions.remove(
        _tools_permission("can_access_all_organizations"), _tools_permission("can_scan_organization")
    )
    OrganizationMember.objects.filter(user=user).delete()
    redteam, _ = Group.objects.get_or_create(name=GROUP_REDTEAM)
    redteam.permissions.add(_tools_permission("can_scan_organization"))
    for code in organisations:
        organization, _ = Organization.objects.get_or_create(code=code, defaults={"name": code.title()})
        member = OrganizationMember.objects.create(
            user=user, organization=organization, status=OrganizationMember.STATUSES.ACTIVE, onboarded=True
        )
        if change:
            member.groups.add(redteam)
    return user


def _tools_permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="tools")
