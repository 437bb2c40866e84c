"""The standalone project with the tests' organisation access policy (tests/support/access.py): a person sees
the organisations named by their groups, so a browser test can log in as someone scoped to one."""

from scheduler_project.settings import *  # noqa: F403
from scheduler_project.settings import ROCKY_SCHEDULER

# tests.support.access.GROUP_POLICY, spelled out: that module needs the app registry, settings load before it.
ROCKY_SCHEDULER = {**ROCKY_SCHEDULER, "ORGANISATION_ACCESS": "tests.support.access.GroupOrganisationAccess"}
