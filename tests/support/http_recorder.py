"""HTTP clients for fault tests: every answer and every broken connection is recorded, none is raised.

`live_server.Client` raises when its server process dies under it; a fault test needs the opposite:
a client that notes what happened (status, body, Retry-After, or the connection error), opens a
new connection and carries on, as a boefje runner in production would.
"""

import http.client
import json
import socket
import time
from dataclasses import dataclass, field

import psutil

from tests.support.live_server import GunicornServer

CONNECTION_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Outcome:
    method: str
    path: str
    started: float
    ended: float
    status: int | None = None
    body: object = None
    content_type: str = ""
    retry_after: str | None = None
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.status is not None


@dataclass
class RecordingClient:
    """One client connection (reopened after a failure); `outcomes` holds every request it made."""

    port: int
    token: str | None = None
    timeout: float = 30.0
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.headers = {"Content-Type": "application/json"}
        if self.token:
            self.headers["Authorization"] = f"Token {self.token}"
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: object = None) -> Outcome:
        outcome = Outcome(method=method, path=path, started=time.monotonic(), ended=0.0)
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            payload = json.dumps(body) if body is not None else None
            self.connection.request(method, path, body=payload, headers=self.headers)
            response = self.connection.getresponse()
            raw = response.read()
            outcome.status = response.status
            outcome.content_type = response.getheader("Content-Type", "")
            outcome.retry_after = response.getheader("Retry-After")
            try:
                outcome.body = json.loads(raw) if raw else None
            except ValueError:
                outcome.body = raw.decode(errors="replace")[:500]
        except CONNECTION_ERRORS as error:
            outcome.error = f"{type(error).__name__}: {error}"
            self.close()
        outcome.ended = time.monotonic()
        self.outcomes.append(outcome)
        return outcome

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def send_and_vanish(port: int, method: str, path: str, token: str, body: object = None) -> None:
    """Send one request and close the socket without reading the answer: a runner killed mid-request."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + payload)


def gunicorn_workers(server: GunicornServer) -> list[int]:
    """The pids of the server's worker processes (children of the gunicorn master)."""
    return sorted(child.pid for child in psutil.Process(server.process.pid).children())
