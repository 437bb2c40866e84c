"""What the fault tests share: boefje-runner threads over HTTP, due schedules in bulk, runner processes."""

import collections
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable

from django.contrib.auth.models import User
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import OOI, Organisation, Schedule
from rocky_scheduler.services.tokens import token_issue
from tests.support.http_recorder import Outcome, RecordingClient
from tests.support.processes import ROOT, test_database_url

RUN_SECONDS = 180.0


def superuser_token(username: str) -> str:
    user = User.objects.create_superuser(username, f"{username}@example.com", f"pw-{username}")
    return token_issue(user=user)


def duplicates(id_lists: Iterable[Iterable[str]]) -> list[str]:
    counts = collections.Counter(task_id for ids in id_lists for task_id in ids)
    return sorted(task_id for task_id, count in counts.items() if count > 1)


class Popper(threading.Thread):
    """A boefje runner over HTTP: pop up to `limit` tasks, report each one completed, repeat.

    It stops at the first empty pop that began after `done()` was true (by default: the first empty
    pop), or at its deadline.
    A request whose connection broke is counted, not raised: the runner opens a new connection and
    goes on, as a real one would. A completion whose answer was lost is sent again; a 409 on such a
    retry means the first one did arrive (the test checks the task is completed in the database).
    """

    def __init__(
        self,
        port: int,
        token: str,
        *,
        limit: int = 3,
        done: Callable[[], bool] = lambda: True,
        seconds: float = RUN_SECONDS,
        scheduler: str = "boefje",
    ) -> None:
        super().__init__(daemon=True)
        self.client = RecordingClient(port, token)
        self.limit = limit
        self.done = done
        self.deadline = time.monotonic() + seconds
        self.path = f"/api/v1/schedulers/{scheduler}/pop?limit={limit}"
        self.received: list[str] = []
        self.unanswered_pops = 0
        self.completion_retries = 0
        self.unexpected: list[Outcome] = []
        self.timed_out = False

    def run(self) -> None:
        try:
            while True:
                if time.monotonic() > self.deadline:
                    self.timed_out = True
                    return
                # Asked before the pop: work finishing between an empty pop and the check is not missed.
                finished = self.done()
                outcome = self.client.request("POST", self.path)
                if not outcome.answered:
                    self.unanswered_pops += 1
                    continue
                if outcome.status != 200:
                    self.unexpected.append(outcome)
                    continue
                results = outcome.body["results"]
                if not results:
                    if finished:
                        return
                    time.sleep(0.05)  # a poll interval, as a runner with an empty queue has
                    continue
                for task in results:
                    self.received.append(task["id"])
                    self.complete(task["id"])
        finally:
            self.client.close()

    def complete(self, task_id: str) -> None:
        retried = False
        while time.monotonic() < self.deadline:
            outcome = self.client.request("PATCH", f"/api/v1/tasks/{task_id}", {"status": "completed"})
            if not outcome.answered:
                retried = True
                self.completion_retries += 1
                continue
            if outcome.status == 200 or (outcome.status == 409 and retried):
                return
            self.unexpected.append(outcome)
            return
        self.timed_out = True


def run_poppers(poppers: list[Popper], *, timeout: float = RUN_SECONDS + 30) -> None:
    for popper in poppers:
        popper.start()
    join_all(poppers, timeout=timeout)


def join_all(threads: Iterable[threading.Thread], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        assert not thread.is_alive(), f"{thread.name} did not finish within {timeout} s"


def due_schedules(count: int, *, organisation: str = "acme", prefix: str = "due") -> list[Schedule]:
    """`count` enabled dns-records schedules (and their level-1 hostnames), all past their deadline.

    Needs the demo catalogue (dns-records enabled for `organisation`).
    """
    now = timezone.now()
    org = Organisation.objects.get(code=organisation)
    hosts = [f"Hostname|internet|{prefix}{i}.example.com" for i in range(count)]
    OOI.objects.bulk_create(
        [OOI(organisation=org, primary_key=host, object_type="Hostname", scan_level=1) for host in hosts],
        batch_size=2000,
    )
    schedules = [
        Schedule(
            scheduler_id="boefje",
            organisation=organisation,
            data={"boefje": {"id": "dns-records"}, "input_ooi": host, "organization": organisation},
            hash=digest(f"{host}-dns-records-{organisation}"),
            deadline_at=now - datetime.timedelta(seconds=count - i),
        )
        for i, host in enumerate(hosts)
    ]
    return Schedule.objects.bulk_create(schedules, batch_size=2000)


class RescheduleRunner:
    """tests/support/reschedule_runner.py in its own process, on the test database (or `database_url`)."""

    def __init__(self, database_url: str | None = None, **options) -> None:
        env = {**os.environ, "DATABASE_URL": database_url or test_database_url(), "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.reschedule_runner", json.dumps(options)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the rescheduling runner exited with {self.process.wait()}")
        return json.loads(line)

    def result(self, timeout: float = 120) -> dict:
        reply = self.read()
        assert "result" in reply, reply
        assert self.process.wait(timeout=timeout) == 0
        return reply["result"]

    def kill(self) -> int:
        self.process.kill()
        return self.process.wait(timeout=30)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self.process.stdout.close()
