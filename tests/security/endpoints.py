"""Every API endpoint and method, with a valid request and the roles allowed to make it.

This table is the "who may do what" of docs/security.md in executable form; a test checks that it
covers every route of rocky_scheduler.urls, so a new endpoint cannot be added without a decision here.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.factories import boefje_data
from tests.ingest.payloads import mutation, raw_file

READERS = frozenset({"member", "readonly", "analyst", "worker", "superuser"})
WORKERS = frozenset({"worker", "superuser"})
EVERYONE = READERS | {"anonymous"}


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name in rocky_scheduler.urls
    method: str
    path: str  # under /api/v1, with {task} and {schedule} filled from the world
    allowed: frozenset[str]
    body: Callable[[], Any] | None = None
    # What success looks like for an allowed role.
    ok: int = 200
    # Whether the endpoint takes limit/offset (pagination) or a pop limit.
    paginated: bool = False
    pop_limit: bool = False
    # A label for a second entry of the same method (PATCH a task's priority vs its status).
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.variant})" if self.variant else "")

    @property
    def takes_body(self) -> bool:
        return self.body is not None

    @property
    def public(self) -> bool:
        return "anonymous" in self.allowed


def _push() -> dict:
    return {"organisation": "acme", "data": boefje_data()}


def _schedule() -> dict:
    return {
        "scheduler_id": "report",
        "organisation": "acme",
        "data": {"report_recipe_id": str(uuid.uuid4())},
        "schedule": "0 4 * * *",
    }


TASK = "/tasks/{task}"
SCHEDULE = "/schedules/{schedule}"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("root", "get", "", EVERYONE),
    Endpoint("health", "get", "/health", EVERYONE),
    Endpoint("schema", "get", "/schema", EVERYONE),
    Endpoint("docs", "get", "/docs", EVERYONE),
    Endpoint("metrics", "get", "/metrics", READERS),
    Endpoint("scheduler-list", "get", "/schedulers", READERS),
    Endpoint("scheduler-detail", "get", "/schedulers/boefje", READERS),
    Endpoint("scheduler-detail", "patch", "/schedulers/boefje", frozenset({"superuser"}), lambda: {"paused": True}),
    Endpoint("scheduler-push", "post", "/schedulers/boefje/push", WORKERS, _push, ok=201),
    Endpoint("scheduler-pop", "post", "/schedulers/boefje/pop", WORKERS, dict, pop_limit=True),
    Endpoint("queue-list", "get", "/queues", READERS),
    Endpoint("queue-detail", "get", "/queues/boefje", READERS),
    Endpoint("task-list", "get", "/tasks", READERS, paginated=True),
    Endpoint("task-list", "post", "/tasks", READERS, lambda: {"filters": []}, paginated=True),
    Endpoint("task-stats", "get", "/tasks/stats", READERS),
    Endpoint("task-detail", "get", TASK, READERS),
    Endpoint(
        "task-detail", "patch", TASK, frozenset({"analyst", "superuser"}), lambda: {"priority": 3}, variant="priority"
    ),
    Endpoint(
        "task-detail",
        "patch",
        TASK,
        frozenset({"analyst", "worker", "superuser"}),
        lambda: {"status": "cancelled"},
        variant="cancel",
    ),
    Endpoint("schedule-list", "get", "/schedules", READERS, paginated=True),
    Endpoint("schedule-list", "post", "/schedules", frozenset({"superuser"}), _schedule, ok=201),
    Endpoint("schedule-search", "post", "/schedules/search", READERS, lambda: {"filters": []}, paginated=True),
    Endpoint("schedule-detail", "get", SCHEDULE, READERS),
    Endpoint("schedule-detail", "patch", SCHEDULE, frozenset({"superuser"}), lambda: {"enabled": False}),
    Endpoint("schedule-detail", "delete", SCHEDULE, frozenset({"superuser"}), ok=204),
    Endpoint(
        "ingest-scan-profile-mutations",
        "post",
        "/ingest/scan_profile_mutations",
        WORKERS,
        lambda: mutation(level=1),
        ok=202,
    ),
    Endpoint(
        "ingest-raw-file-received",
        "post",
        "/ingest/raw_file_received",
        WORKERS,
        lambda: raw_file(mime_types=["boefje/dns-records"]),
        ok=202,
    ),
    Endpoint(
        "ingest-plugin-enablements",
        "post",
        "/ingest/plugin_enablements",
        WORKERS,
        lambda: {"organisation": "acme", "plugin_id": "dns-records", "enabled": True},
        ok=202,
    ),
)

PROTECTED = tuple(endpoint for endpoint in ENDPOINTS if not endpoint.public)
WITH_BODY = tuple(endpoint for endpoint in ENDPOINTS if endpoint.takes_body)
PAGINATED = tuple(endpoint for endpoint in ENDPOINTS if endpoint.paginated)
