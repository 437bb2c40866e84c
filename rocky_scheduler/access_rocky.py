"""Rocky's organisation access: a user sees the organisations they are a member of, as Rocky's own pages do.

Choose it with `ROCKY_SCHEDULER["ORGANISATION_ACCESS"] = "rocky_scheduler.access_rocky.RockyOrganisationAccess"`.
Rocky's models are looked up by label (`tools.OrganizationMember`) when the policy answers, so this module
imports nothing of Rocky's and costs nothing in a project that does not choose it. The rules are Rocky's
(rocky/tools/models.py, rocky/account/models.py):

- `tools.can_access_all_organizations` (superusers have it): every organisation;
- otherwise the organisations of the user's memberships that are not blocked;
- changing work (push, re-prioritise, cancel, schedule) also needs `tools.can_scan_organization`, held by the
  user or by one of the membership's groups (Rocky's red team), in a visible organisation;
- workers (pop_task; boefje runners) see every organisation, unless their user is a member of some: then only
  those. Rocky's runners need no membership at all.
"""

from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationAccess, OrganisationScope

ACCESS_ALL_ORGANISATIONS = "tools.can_access_all_organizations"
SCAN_ORGANISATION = "tools.can_scan_organization"


class RockyOrganisationAccess(OrganisationAccess):
    """Rocky's memberships and permissions. A host with other labels subclasses and sets these three."""

    member_model = "tools.OrganizationMember"
    access_all_permission = ACCESS_ALL_ORGANISATIONS
    change_permission = SCAN_ORGANISATION

    def _memberships(self, user: Any) -> QuerySet:
        return apps.get_model(self.member_model)._default_manager.filter(user=user, blocked=False)

    def _member_codes(self, user: Any) -> frozenset[str]:
        return frozenset(self._memberships(user).values_list("organization__code", flat=True))

    def visible(self, user: Any) -> OrganisationScope:
        if user.has_perm(self.access_all_permission):
            return EVERY_ORGANISATION
        return OrganisationScope.only(self._member_codes(user))

    def may_change(self, user: Any, organisation: str) -> bool:
        if not self.visible(user).includes(organisation):
            return False
        if user.has_perm(self.change_permission):
            return True
        app_label, codename = self.change_permission.split(".", 1)
        # As Rocky's OrganizationMember.has_perm: the permissions of the membership's groups count there only.
        return (
            self._memberships(user)
            .filter(
                organization__code=organisation,
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
            .exists()
        )

    def worker_scope(self, user: Any) -> OrganisationScope:
        if user.has_perm(self.access_all_permission):
            return EVERY_ORGANISATION
        codes = self._member_codes(user)
        return OrganisationScope.only(codes) if codes else EVERY_ORGANISATION
