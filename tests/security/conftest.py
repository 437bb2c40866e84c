"""A small seeded world for the security tests, one client per role, and "nothing changed" assertions."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core import signals
from django.db import close_old_connections, transaction

from rocky_scheduler.caches import clear_process_caches
from rocky_scheduler.models import Schedule, Task
from rocky_scheduler.services import task_push
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.schedules import schedule_create
from tests.factories import boefje_data
from tests.security.snapshot import TableState, changed_tables, database_snapshot
from tests.support.api_clients import ContractClient, client_for, user_in


@dataclass(frozen=True)
class World:
    """What the endpoints need to exist: the demo catalogue, a queued task and a schedule."""

    task: Task
    schedule: Schedule

    def fill(self, path: str) -> str:
        return path.format(task=self.task.pk, schedule=self.schedule.pk)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Users are made by the dozen here; the production hasher's slowness is its point, and no test's.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    demo_seed(username="demo-staff", password="demo-staff-password")
    task = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), actor="system:test")
    schedule = schedule_create(
        scheduler_id="report",
        organisation="acme",
        data={"report_recipe_id": str(uuid.uuid4())},
        schedule="0 3 * * *",
    )
    return World(task=task, schedule=schedule)


# Roles by the groups of migration 0004 (docs/security.md has the table); "member" is a user in no group.
ROLES = ("anonymous", "member", "readonly", "analyst", "worker", "superuser")
_GROUPS = {
    "member": None,
    "readonly": "scheduler-readonly",
    "analyst": "scheduler-analysts",
    "worker": "scheduler-workers",
}


def api_client_for(role: str) -> ContractClient:
    """A token-authenticated API client for one role (anonymous: no credentials)."""
    if role == "anonymous":
        return ContractClient()
    if role == "superuser":
        return client_for(User.objects.create_superuser(f"root-{uuid.uuid4().hex[:6]}", "", "pw-root-secure"))
    return client_for(user_in(_GROUPS[role], f"{role}-{uuid.uuid4().hex[:6]}"))


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run a block in a savepoint and undo it, so one test can try several roles on the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    # Process-local caches (scheduler settings, heap windows) may have seen the undone change.
    clear_process_caches()


def assert_unchanged(before: dict[str, TableState], what: str = "") -> None:
    after = database_snapshot()
    changed = changed_tables(before, after)
    assert not changed, f"{what}: a refused request changed {changed}"


@pytest.fixture
def wsgi_keeps_test_connection() -> Iterator[None]:
    # Schemathesis calls the real WSGI handler, which closes the database connection after each request
    # (as in production); that would end the test's transaction. Django's test client does the same.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
