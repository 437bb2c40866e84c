"""A real gunicorn server (several worker processes) on the test database, and a small keep-alive client."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.api_contract import check_answer
from tests.support.processes import ROOT, test_database_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    def __init__(self, *, workers: int = 2, extra_env: dict[str, str] | None = None, log_dir: Path | None = None):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": test_database_url(), **(extra_env or {})}
        log = open(log_dir / "gunicorn.log", "w") if log_dir else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "scheduler_project.wsgi:application",
                # The deployment's settings (worker class, threads), as scripts/run.sh starts it; fewer workers.
                "--config",
                str(ROOT / "scheduler_project" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _ = Client(self.port).request("GET", "/api/v1/health")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Client:
    """One keep-alive HTTP/1.1 connection, as one boefje runner process would hold.

    Every answer is held to the models OpenKAT's clients parse it with (tests/support/api_contract.py).
    """

    def __init__(self, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        # The headers of the last answer (e.g. to see X-Scheduler-Status).
        self.last_headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def request(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        payload = json.dumps(body) if body is not None else None
        self.connection.request(method, path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        self.last_headers = dict(response.getheaders())
        check_answer(method=method, path=path, status=response.status, body=raw)
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.connection.close()
