"""Rocky's organisations and memberships (rocky/tools/models.py), the fields and permissions the scheduler's
Rocky access policy reads: an organisation's `code`, a member's `blocked` flag and groups, and the permissions
`can_access_all_organizations` and `can_scan_organization`."""

from django.contrib.auth.models import Group
from django.db import models

GROUP_ADMIN = "admin"
GROUP_REDTEAM = "redteam"
GROUP_CLIENT = "clients"


class Organization(models.Model):
    name = models.CharField(max_length=126, unique=True)
    code = models.SlugField(max_length=32, unique=True, allow_unicode=True)

    class Meta:
        permissions = (
            ("can_switch_organization", "Can switch organization"),
            ("can_scan_organization", "Can scan organization"),
            ("can_enable_disable_boefje", "Can enable or disable boefje"),
            ("can_access_all_organizations", "Can access all organizations"),
        )

    def __str__(self) -> str:
        return str(self.name)


class OrganizationMember(models.Model):
    class STATUSES(models.TextChoices):
        ACTIVE = "active", "active"
        NEW = "new", "new"

    user = models.ForeignKey("account.KATUser", on_delete=models.PROTECT, related_name="members")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    groups = models.ManyToManyField(Group, blank=True)
    status = models.CharField(choices=STATUSES.choices, max_length=64, default=STATUSES.NEW)
    blocked = models.BooleanField(default=False)
    onboarded = models.BooleanField(default=False)

    class Meta:
        unique_together = ["user", "organization"]

    def __str__(self) -> str:
        return str(self.user)
