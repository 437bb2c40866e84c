"""The HTTP load generator of bench/http_bench.py: client processes, each a tight http.client loop.

Processes rather than threads, so that 16 clients are not serialised on one GIL and a slow client
never looks like a slow server. Each client holds one HTTP/1.1 connection to 127.0.0.1 and
stops by itself at its deadline (or after `max_requests`). Only the standard library is imported
here: spawning a client must stay cheap, and its CPU must go to requests, not to Django.
"""

import http.client
import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

API = "/api/v1"
# Client kinds: one GET path, pushes, or pop followed by PATCH completed.
GET, PUSH, DRAIN = "get", "push", "drain"
COMPLETED_BODY = b'{"status": "completed"}'
MAX_ERROR_SAMPLES = 5


@dataclass(frozen=True)
class ClientJob:
    kind: str
    port: int
    token: str | None
    seconds: float
    index: int
    # Makes pushed input_oois unique across phases and runs on the same database.
    tag: str = ""
    path: str = ""
    max_requests: int = 0  # 0: bounded by time only
    scheduler_id: str = "boefje"


@dataclass
class ClientResult:
    index: int
    requests: int = 0
    # Seconds per request, by request type ("get", "push", "pop", "patch").
    latencies: dict[str, list[float]] = field(default_factory=dict)
    popped_ids: list[str] = field(default_factory=list)
    empty_pops: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    # TCP connections opened: gunicorn's sync worker answers `Connection: close`, so one per request.
    connects: int = 0
    cpu_seconds: float = 0.0
    started_at: float = 0.0
    ended_at: float = 0.0
    fatal: str = ""


def push_body(*, scheduler_id: str, input_ooi: str, organisation: str = "acme") -> bytes:
    """A push as OpenKAT's Rocky sends it: a BoefjeTask in `data`, no priority (the ranker decides)."""
    return json.dumps(
        {
            "scheduler_id": scheduler_id,
            "organisation": organisation,
            "data": {
                "id": None,
                "boefje": {"id": "dns-records", "name": "dns-records", "version": None},
                "input_ooi": input_ooi,
                "organization": organisation,
                "dispatches": [],
            },
        }
    ).encode()


class _Connection:
    def __init__(self, port: int, token: str | None, result: ClientResult) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.result = result

    def send(self, kind: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One request, timed from sending to the last byte of the answer (reconnect included)."""
        if self.connection.sock is None:
            self.result.connects += 1
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=self.headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # the next request opens a fresh connection
            self._error(f"{method} {path}: {error!r}")
            return 0, b""
        self.result.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        self.result.requests += 1
        if response.status >= 400:
            self._error(f"{method} {path}: {response.status} {payload[:200]!r}")
        return response.status, payload

    def _error(self, message: str) -> None:
        self.result.errors += 1
        if len(self.result.error_samples) < MAX_ERROR_SAMPLES:
            self.result.error_samples.append(message)


def run_client(job: ClientJob, ready: Any, go: Any, results: Any) -> None:
    """Process entry point: report ready, wait for the common start, then send requests until the deadline."""
    result = ClientResult(index=job.index)
    try:
        connection = _Connection(job.port, job.token, result)
        # Two steps, so the parent can take its CPU snapshot while every client is idle.
        ready.wait()
        go.wait()
        cpu_started = time.process_time()
        result.started_at = time.monotonic()
        deadline = result.started_at + job.seconds
        limit = job.max_requests or float("inf")
        step = {GET: _get_once, PUSH: _push_once, DRAIN: _drain_once}[job.kind]
        sequence = 0
        # The deadline is checked between steps only, so a drain step (pop + PATCH) always finishes
        # and no task is left dispatched by the benchmark itself.
        while time.monotonic() < deadline and result.requests < limit:
            step(connection, job, sequence)
            sequence += 1
        result.ended_at = time.monotonic()
        result.cpu_seconds = time.process_time() - cpu_started
        connection.connection.close()
    except Exception as error:  # reported to the parent, which fails the phase loudly
        result.fatal = f"{error!r}\n{traceback.format_exc()}"
        result.ended_at = result.ended_at or time.monotonic()
    results.put(result)


def _get_once(connection: _Connection, job: ClientJob, sequence: int) -> None:
    connection.send(GET, "GET", job.path)


def _push_once(connection: _Connection, job: ClientJob, sequence: int) -> None:
    ooi = f"Hostname|internet|{job.tag}-c{job.index}-{sequence}.example.com"
    connection.send(
        PUSH,
        "POST",
        f"{API}/schedulers/{job.scheduler_id}/push",
        push_body(scheduler_id=job.scheduler_id, input_ooi=ooi),
    )


def _drain_once(connection: _Connection, job: ClientJob, sequence: int) -> None:
    status, payload = connection.send("pop", "POST", f"{API}/schedulers/{job.scheduler_id}/pop")
    if status != 200:
        return
    tasks = json.loads(payload)["results"]
    if not tasks:
        connection.result.empty_pops += 1
        return
    task_id = tasks[0]["id"]
    connection.result.popped_ids.append(task_id)
    connection.send("patch", "PATCH", f"{API}/tasks/{task_id}", COMPLETED_BODY)
