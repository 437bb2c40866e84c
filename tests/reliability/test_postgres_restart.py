"""PostgreSQL restarts under a running server: clean 503s meanwhile, service resumes, nothing acknowledged is lost.

The server (gunicorn, two worker processes, token authentication) runs against a PostgreSQL
cluster of the test's own, which is stopped and started again while four runners push, pop and
complete tasks: once as a service restart (`fast`: open transactions rolled back, connections
closed) and once as a crash (`immediate`: no shutdown checkpoint, WAL recovery at the next start). The gunicorn
processes are never restarted. A request during the outage must get an answer (503, a JSON
`detail`, `Retry-After`), never a refused or dropped connection; afterwards every acknowledged
push (201) is in the database and every acknowledged pop (200) is completed.
"""

import subprocess
import sys
import threading
import time
import uuid

import psycopg2
import pytest

from rocky_scheduler.api.errors import DATABASE_UNAVAILABLE
from tests.factories import boefje_data
from tests.ingest.broker import wait_until
from tests.reliability.helpers import join_all
from tests.support.http_recorder import Outcome, RecordingClient, gunicorn_workers
from tests.support.live_server import GunicornServer
from tests.support.private_services import PostgresInstance
from tests.support.processes import ROOT

pytestmark = pytest.mark.slow

RUNNERS = 4
CYCLES_BEFORE = 20
CYCLES_AFTER = 20
# A runner waits this long after a 503 (the answer says Retry-After: 1; shorter here to time the outage finely).
RETRY_SECONDS = 0.1


def manage(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def private_database():
    instance = PostgresInstance()
    try:
        url = instance.create_database("rocky_scheduler")
        manage(url, "migrate", "--noinput")
        manage(url, "scheduler_user", "runner", "--role", "worker")
        token = manage(url, "scheduler_token", "runner", "--name", "reliability").strip()
        yield instance, url, token
    finally:
        instance.close()


class Runner(threading.Thread):
    """Push a new task, pop one, report it completed; over and over until told to stop.

    A pushed task counts as stored once answered 201; a popped one is reported completed until a
    200 (or a 409 after an unanswered or 503 attempt: the earlier attempt did commit) says so.
    """

    def __init__(self, port: int, token: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = RecordingClient(port, token, timeout=20)
        self.stop_requested = stop
        self.pushed: list[str] = []
        self.popped: list[str] = []
        self.completed: list[str] = []
        self.uncertain_completions: list[str] = []
        self.cycles: list[float] = []  # monotonic end time of each push-pop-complete cycle that fully succeeded

    def request(self, method: str, path: str, body: object = None) -> Outcome:
        outcome = self.client.request(method, path, body)
        if outcome.status == 503:
            time.sleep(RETRY_SECONDS)
        return outcome

    def run(self) -> None:
        try:
            while not self.stop_requested.is_set():
                self.cycle()
        finally:
            self.client.close()

    def cycle(self) -> None:
        body = {"organisation": "acme", "priority": 3, "data": boefje_data(ooi=f"Hostname|internet|{uuid.uuid4()}.nl")}
        push = self.request("POST", "/api/v1/schedulers/boefje/push", body)
        if push.status == 201:
            self.pushed.append(push.body["id"])
        pop = self.request("POST", "/api/v1/schedulers/boefje/pop?limit=1")
        if pop.status != 200:
            return
        for task in pop.body["results"]:
            self.popped.append(task["id"])
            self.complete(task["id"])
        if push.status == 201 and pop.body["results"]:
            self.cycles.append(time.monotonic())

    def complete(self, task_id: str) -> None:
        failed_before = False
        while True:
            outcome = self.request("PATCH", f"/api/v1/tasks/{task_id}", {"status": "completed"})
            if outcome.status == 200:
                self.completed.append(task_id)
                return
            if outcome.status == 409 and failed_before:
                self.uncertain_completions.append(task_id)
                return
            if outcome.status not in (503, None):
                return  # recorded in outcomes; the test reports it
            failed_before = True

    def cycles_after(self, moment: float) -> int:
        return sum(1 for at in self.cycles if at > moment)


@pytest.mark.parametrize("shutdown", ["fast", "immediate"])
def test_postgres_restart_under_load_answers_503_then_recovers_without_losing_acknowledged_work(
    private_database, tmp_path, shutdown
):
    instance, url, token = private_database
    server = GunicornServer(workers=2, extra_env={"DATABASE_URL": url}, log_dir=tmp_path)
    stop = threading.Event()
    runners = [Runner(server.port, token, stop) for _ in range(RUNNERS)]
    try:
        workers_before = gunicorn_workers(server)
        for runner in runners:
            runner.start()
        wait_until(lambda: all(r.cycles_after(0) >= CYCLES_BEFORE for r in runners), what="work before the outage")

        stopped_at = time.monotonic()
        instance.stop(shutdown)
        # The database stays down until this holds, so a generous wait weakens nothing: a request caught in
        # the stop can take up to the client's 20 s timeout before the runner's next ones meet the outage.
        try:
            wait_until(lambda: _saw_outage(runners), timeout=60, what="every runner seeing the outage")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; last requests per runner: {_last_outcomes(runners)}") from None
        started_at = time.monotonic()
        instance.start()
        wait_until(
            lambda: all(r.cycles_after(started_at) >= CYCLES_AFTER for r in runners),
            timeout=60,
            what="work to resume after the restart",
        )
        stop.set()
        join_all(runners, timeout=60)
        assert server.process.poll() is None and gunicorn_workers(server) == workers_before, "the server restarted"
    finally:
        stop.set()
        server.stop()

    outcomes = [outcome for runner in runners for outcome in runner.client.outcomes]
    # The server stayed up: every request was answered, with a success or a clean 503.
    assert [o.error for o in outcomes if not o.answered] == []
    # A completion whose answer was lost (the database went down after its commit, before the reply) is
    # re-sent and answered 409 "completed -> completed": the runner accepts that once, after a failed
    # attempt, and the task must then be completed in the database (checked below with every popped one).
    resent = {f"/api/v1/tasks/{task_id}" for runner in runners for task_id in runner.uncertain_completions}
    unexpected = [
        (o.method, o.path, o.status, o.body)
        for o in outcomes
        if o.status not in (200, 201, 503) and not (o.method == "PATCH" and o.status == 409 and o.path in resent)
    ]
    assert unexpected == [], unexpected
    unavailable = [o for o in outcomes if o.status == 503]
    assert unavailable, "no request met the outage"
    assert {(o.content_type, str(o.body), o.retry_after) for o in unavailable} == {
        ("application/json", str({"detail": str(DATABASE_UNAVAILABLE)}), "1")
    }

    pushed = {task_id for runner in runners for task_id in runner.pushed}
    popped = {task_id for runner in runners for task_id in runner.popped}
    status_of = _statuses(url)
    assert pushed <= set(status_of), f"{len(pushed - set(status_of))} acknowledged pushes are gone"
    assert {status_of[task_id] for task_id in popped} == {"completed"}
    assert sum(len(r.popped) for r in runners) == len(popped), "a task was popped twice"

    first_failure = min(o.started for o in unavailable)
    recovered = min(o.ended for o in outcomes if o.started > started_at and o.status in (200, 201))
    print(
        f"\n{shutdown}: {len(outcomes)} requests, {len(unavailable)} answered 503; database down for "
        f"{started_at - stopped_at:.2f} s, 503s from +{first_failure - stopped_at:.2f} s after the stop until "
        f"service resumed {recovered - started_at:.2f} s after the start; "
        f"{len(pushed)} pushes, {len(popped)} pops acknowledged; "
        f"{sum(len(r.uncertain_completions) for r in runners)} completions answered 409 after a 503 "
        f"(the earlier attempt had committed); tasks whose push or pop got a 503 but committed: "
        f"{len(set(status_of) - pushed)} stored without a 201"
    )


def _saw_outage(runners: list[Runner]) -> bool:
    """Every runner got 503s (one may be stuck re-sending a completion), pushes and pops among them."""
    refused = [[o for o in r.client.outcomes[-50:] if o.status == 503] for r in runners]
    kinds = {o.path.split("?")[0].rsplit("/", 1)[-1] for outcomes in refused for o in outcomes}
    return all(len(outcomes) >= 2 for outcomes in refused) and {"push", "pop"} <= kinds


def _last_outcomes(runners: list[Runner]) -> list[list[tuple]]:
    return [[(o.method, o.path, o.status, o.error) for o in r.client.outcomes[-6:]] for r in runners]


def _statuses(url: str) -> dict[str, str]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id::text, status FROM rocky_scheduler_task")
            return dict(cursor.fetchall())
    finally:
        connection.close()
