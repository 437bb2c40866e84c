"""The answers OpenKAT's clients read, route by route, and proof that the contract check itself can fail.

The models are in tests/support/openkat_models.py and the route table in tests/support/api_contract.py; every
API client of the suite applies them to every answer, so here each route is driven once and the check is shown
to refuse what a client would refuse.
"""

import datetime
import http.server
import json
import threading
import uuid

import pytest

from rocky_scheduler import urls
from rocky_scheduler.models import Plugin
from rocky_scheduler.services import task_pop, task_push
from tests.factories import TaskFactory, boefje_data, normalizer_data
from tests.scheduling.conftest import mutation, raw_file
from tests.support.api_clients import PREFIX
from tests.support.api_contract import (
    ANSWERS,
    ERROR_ONLY,
    SKIPPED,
    ContractViolation,
    check_answer,
    route_name,
)
from tests.support.live_server import Client

pytestmark = pytest.mark.django_db

PUSH = f"{PREFIX}/schedulers/boefje/push"


def test_every_route_has_a_client_model_or_is_skipped_with_a_reason():
    names = {pattern.name for pattern in urls.urlpatterns}
    assert names == {name for name, _ in ANSWERS} | set(SKIPPED) | set(ERROR_ONLY)


def test_every_route_in_the_table_answers_what_its_clients_parse(admin_api):
    """Each (route, method) of the table once, through the checking client; the calls are counted against it."""
    calls = []

    def call(method: str, path: str, body=None, *, status: int):
        calls.append((route_name(path), method.upper()))
        response = getattr(admin_api, method)(path, body, format="json") if body is not None else None
        response = response or getattr(admin_api, method)(path)
        assert response.status_code == status, response.content

    task_push(scheduler_id="normalizer", organisation="acme", data=normalizer_data(), priority=2)
    TaskFactory.create_batch(11)
    call("get", f"{PREFIX}/", status=200)
    call("get", f"{PREFIX}/health", status=200)
    call("get", f"{PREFIX}/schedulers", status=200)
    call("get", f"{PREFIX}/schedulers/boefje", status=200)
    call("patch", f"{PREFIX}/schedulers/report", {"maxsize": 50}, status=200)
    call("get", f"{PREFIX}/queues", status=200)
    call("get", f"{PREFIX}/queues/normalizer", status=200)
    call("post", PUSH, {"organisation": "acme", "priority": 1, "data": boefje_data()}, status=201)
    report = {"organisation": "acme", "data": {"report_recipe_id": str(uuid.uuid4()), "organisation_id": "acme"}}
    call("post", f"{PREFIX}/schedulers/report/push", report, status=201)
    call("post", f"{PREFIX}/schedulers/normalizer/pop?limit=5", {"filters": []}, status=200)
    call("get", f"{PREFIX}/tasks?limit=3", status=200)
    call(
        "post",
        f"{PREFIX}/tasks?offset=5&limit=5",
        {"filters": [{"column": "scheduler_id", "operator": "ne", "value": "x"}]},
        status=200,
    )
    call("get", f"{PREFIX}/tasks/stats?scheduler_id=boefje&organisation_id=acme", status=200)
    [dispatched] = task_pop(scheduler_id="boefje")
    call("get", f"{PREFIX}/tasks/{dispatched.id}", status=200)
    call("patch", f"{PREFIX}/tasks/{dispatched.id}", {"status": "running"}, status=200)
    schedule = {"scheduler_id": "boefje", "organisation": "acme", "data": boefje_data(), "schedule": "*/5 * * * *"}
    call("post", f"{PREFIX}/schedules", schedule, status=201)
    call("get", f"{PREFIX}/schedules", status=200)
    call("post", f"{PREFIX}/schedules/search", {}, status=200)
    schedule_id = admin_api.get(f"{PREFIX}/schedules").json()["results"][0]["id"]
    call("get", f"{PREFIX}/schedules/{schedule_id}", status=200)
    call("patch", f"{PREFIX}/schedules/{schedule_id}", {"enabled": False}, status=200)
    call("delete", f"{PREFIX}/schedules/{schedule_id}", status=204)
    call(
        "post",
        f"{PREFIX}/ingest/scan_profile_mutations",
        [mutation("Hostname|internet|a.com", "Hostname", 1)],
        status=202,
    )
    call("post", f"{PREFIX}/ingest/raw_file_received", raw_file(["boefje/dns-records"]), status=202)
    Plugin.objects.create(id="nmap", type="boefje", name="Nmap", scan_level=2, consumes=["IPAddressV4"])
    enabled = {"organisation": "acme", "plugin_id": "nmap", "enabled": True}
    call("post", f"{PREFIX}/ingest/plugin_enablements", enabled, status=202)
    call("get", f"{PREFIX}/schedulers/nope", status=404)
    call("post", f"{PREFIX}/no/such/part", {}, status=404)
    assert set(calls) == set(ANSWERS) | {("not-found", "POST")}


def runner_task(**changes) -> dict:
    task_id = str(uuid.uuid4())
    task = {
        "id": task_id,
        "scheduler_id": "boefje",
        "schedule_id": None,
        "organisation": "acme",
        "priority": 1,
        "status": "dispatched",
        "type": "boefje",
        "hash": "abc",
        "data": {**boefje_data(), "id": task_id},
        "created_at": "2026-01-01T00:00:00+00:00",
        "modified_at": "2026-01-01T00:00:00+00:00",
    }
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        container = task
        for parent in parents:
            container = container[parent]
        container[key] = value
    return task


def check(method: str, path: str, status: int, body: object) -> None:
    check_answer(method=method, path=path, status=status, body=json.dumps(body).encode())


def test_the_check_passes_a_task_the_runner_parses():
    check("POST", PUSH, 201, runner_task())
    check("POST", f"{PREFIX}/schedulers/boefje/pop", 200, {"results": [runner_task()]})


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"data__id": None}, "boefje.data.id"),
        ({"data__started_at": "2026-01-01T00:00:00"}, "timezone"),
        ({"created_at": None}, "created_at"),
        ({"status": "QUEUED"}, "status"),
        ({"type": "normalizer"}, "normalizer.data.raw_data"),
        ({"data__boefje__id": ""}, "boefje.data.boefje.id"),
    ],
)
def test_the_check_refuses_a_task_the_runner_cannot_parse_and_names_the_route(changes, complaint):
    with pytest.raises(ContractViolation, match=f"(?s)POST {PUSH} .*'scheduler-push'.*{complaint}"):
        check("POST", PUSH, 201, runner_task(**changes))


def test_the_check_refuses_a_missing_key_even_where_null_is_allowed():
    task = runner_task()
    del task["schedule_id"]
    with pytest.raises(ContractViolation, match="schedule_id"):
        check("POST", f"{PREFIX}/schedulers/boefje/pop", 200, {"results": [task]})


def test_the_check_refuses_errors_without_detail_and_routes_it_does_not_know():
    with pytest.raises(ContractViolation, match="detail"):
        check("POST", PUSH, 400, {"error": "bad"})
    with pytest.raises(ContractViolation, match="error answer cannot parse"):
        check_answer(method="GET", path=f"{PREFIX}/nowhere", status=404, body=b"<h1>Not Found</h1>")
    with pytest.raises(ContractViolation, match="no client model"):
        check("PUT", f"{PREFIX}/tasks/{uuid.uuid4()}", 200, runner_task())
    check_answer(method="GET", path=f"{PREFIX}/metrics", status=200, body=b"# HELP nothing\n")
    check_answer(method="GET", path="/dashboard", status=200, body=b"<html></html>")


def test_the_api_fixtures_check_what_the_app_answers(admin_api):
    # A row written past push (as before migration 0008) has no data.id: the runner cannot read it.
    task = TaskFactory(data=boefje_data())
    with pytest.raises(ContractViolation, match="(?s)'task-detail'.*boefje.data.id"):
        admin_api.get(f"{PREFIX}/tasks/{task.id}")


class NaiveServer(http.server.BaseHTTPRequestHandler):
    """Answers every request with a task whose boefje started at a naive time."""

    def do_GET(self):
        body = json.dumps(runner_task(data__started_at=datetime.datetime(2026, 1, 1).isoformat())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_live_server_client_checks_what_it_is_answered():
    server = http.server.HTTPServer(("127.0.0.1", 0), NaiveServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = Client(server.server_address[1])
    try:
        with pytest.raises(ContractViolation, match="(?s)'task-detail'.*timezone"):
            client.request("GET", f"{PREFIX}/tasks/{uuid.uuid4()}")
    finally:
        client.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
