"""Every answer under the API prefix, parsed as OpenKAT's clients parse it: `Model.model_validate_json(raw_body)`.

`ANSWERS` is the one table of which client model(s) each route and method's success answer must parse as; every
error answer (4xx, 5xx) must parse as `{"detail": str}`. The suite's API clients (`api_clients.ContractClient`,
`live_server.Client`) call `check_answer` on every response, so a test that gets an answer a client could not read
fails, naming the route, whatever the test itself asserts.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from django.urls import Resolver404, resolve, reverse
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.support import openkat_models as openkat

# Where the host mounted the API: /api/v1 in the standalone project, /api/v1/scheduler in the Rocky-shaped host.
PREFIX = reverse("rocky_scheduler:root").rstrip("/")
URLCONF = "rocky_scheduler.urls"


class ContractViolation(AssertionError):
    """An answer that an OpenKAT client (or DESIGN.md, where no client reads it) would reject."""


@dataclass(frozen=True)
class Shape:
    """One client's model for an answer, applied to the raw body exactly as that client applies it."""

    name: str
    model: Any

    def parse(self, body: bytes) -> object:
        if isinstance(self.model, type) and issubclass(self.model, BaseModel):
            return self.model.model_validate_json(body)
        return TypeAdapter(self.model).validate_json(body)


def shape(name: str, model: Any) -> tuple[Shape, ...]:
    return (Shape(name, model),)


NO_BODY: tuple[Shape, ...] = ()
RUNNER_TASK = Shape("the boefje runner's Task", openkat.RunnerTask)
ROCKY_TASK = Shape("Rocky's Task", openkat.RockyTask)
SCHEDULE = shape("Rocky's ScheduleResponse", openkat.ScheduleResponse)
SCHEDULE_PAGE = shape("Rocky's PaginatedSchedulesResponse", openkat.PaginatedSchedulesResponse)
TASK_PAGE = shape("Rocky's PaginatedTasksResponse", openkat.PaginatedTasksResponse)
SCHEDULER = shape("DESIGN.md's scheduler overview", openkat.SchedulerOverview)
QUEUE = shape("the clients' Queue", openkat.Queue)
INGESTED = shape("DESIGN.md's ingest answer", openkat.IngestAnswer)
HEALTH = shape("Rocky's ServiceHealth", openkat.ServiceHealth)
ERROR = Shape("the clients' error answer", openkat.ErrorAnswer)

# Routes by their name in rocky_scheduler/urls.py. A route no client parses is listed in SKIPPED, with why.
ANSWERS: dict[tuple[str, str], tuple[Shape, ...]] = {
    ("root", "GET"): shape("DESIGN.md's links to the API's parts", openkat.ApiRoot),
    ("health", "GET"): HEALTH,
    ("scheduler-list", "GET"): shape("a list of DESIGN.md's scheduler overview", list[openkat.SchedulerOverview]),
    ("scheduler-detail", "GET"): SCHEDULER,
    ("scheduler-detail", "PATCH"): SCHEDULER,
    ("scheduler-push", "POST"): (RUNNER_TASK,),
    (
        "scheduler-pop",
        "POST",
    ): (Shape("the boefje runner's TaskPop", openkat.RunnerTaskPop), Shape("Rocky's TaskPop", openkat.RockyTaskPop)),
    ("queue-list", "GET"): shape("the clients' list[Queue]", list[openkat.Queue]),
    ("queue-detail", "GET"): QUEUE,
    ("task-list", "GET"): TASK_PAGE,
    ("task-list", "POST"): TASK_PAGE,
    ("task-stats", "GET"): shape("Rocky's task stats", openkat.TaskStats),
    ("task-detail", "GET"): (RUNNER_TASK, ROCKY_TASK),
    ("task-detail", "PATCH"): (RUNNER_TASK,),
    ("schedule-list", "GET"): SCHEDULE_PAGE,
    ("schedule-list", "POST"): SCHEDULE,
    ("schedule-search", "POST"): SCHEDULE_PAGE,
    ("schedule-detail", "GET"): SCHEDULE,
    ("schedule-detail", "PATCH"): SCHEDULE,
    ("schedule-detail", "DELETE"): NO_BODY,
    ("ingest-scan-profile-mutations", "POST"): INGESTED,
    ("ingest-raw-file-received", "POST"): INGESTED,
    ("ingest-plugin-enablements", "POST"): shape("the plugin enablement answer", openkat.PluginEnablementAnswer),
}
# Answers other than `{"detail"}` on an error status: an unhealthy scheduler still reports its health.
ERROR_ANSWERS: dict[tuple[str, int], tuple[Shape, ...]] = {("health", 503): HEALTH}
# Routes that only ever answer an error, which must be `{"detail"}` like every other.
ERROR_ONLY = {"not-found": "the JSON 404 of every unknown path under the prefix"}
SKIPPED = {
    "metrics": "Prometheus text, read by Prometheus",
    "schema": "the OpenAPI document, read by tools",
    "docs": "Swagger UI's HTML, read by people",
}


def route_name(path: str) -> str | None:
    """The route's name in rocky_scheduler/urls.py for a path (and query) under the prefix; None if unknown."""
    try:
        return resolve(path_only(path).removeprefix(PREFIX) or "/", urlconf=URLCONF).url_name
    except Resolver404:
        return None


def path_only(path: str) -> str:
    return unquote(urlsplit(path).path)


def expected_shapes(method: str, path: str, status: int) -> tuple[Shape, ...] | None:
    """The models an answer must parse as; None when it is not ours to check (outside the API, or skipped)."""
    path = path_only(path)
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    name = route_name(path)
    if name in SKIPPED or method in ("HEAD", "OPTIONS"):
        return None
    if (name, status) in ERROR_ANSWERS:
        return ERROR_ANSWERS[(name, status)]
    if status >= 400:
        return (ERROR,)
    if (name, method) not in ANSWERS:
        raise ContractViolation(
            f"{method} {path} answered {status}, but no client model is known for route {name!r} and {method}: "
            "add it to ANSWERS (or SKIPPED) in tests/support/api_contract.py"
        )
    return ANSWERS[(name, method)]


def check_answer(*, method: str, path: str, status: int, body: bytes) -> None:
    """Fail with the route and the client's complaint when an answer is not what the clients parse."""
    method = method.upper()
    shapes = expected_shapes(method, path, status)
    if shapes is None:
        return
    route = f"{method} {path} (route {route_name(path)!r}) answered {status}"
    if shapes == NO_BODY:
        if body:
            raise ContractViolation(f"{route} with a body where none belongs: {body[:500]!r}")
        return
    for expected in shapes:
        try:
            expected.parse(body)
        except ValidationError as error:
            raise ContractViolation(
                f"{route} with a body {expected.name} cannot parse:\n{error}\nbody: {body[:1000]!r}"
            ) from None
