"""Start and talk to worker processes (tests/support/worker.py) against the test database."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database's file (settings.py gives SQLite tests a file, never `:memory:`).
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


class WorkerProcess:
    def __init__(self, **extra_env: str) -> None:
        env = {**os.environ, "DATABASE_URL": test_database_url(), **extra_env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        assert ready == {"ready": True}, ready

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict:
        reply = self._read()
        if "error" in reply:
            raise AssertionError(f"worker failed: {reply['traceback']}")
        return reply

    def call(self, **command) -> dict:
        self.send(**command)
        return self.receive()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send(op="exit")
                self.process.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"worker exited with {self.process.wait()}")
        return json.loads(line)


class Workers:
    """Several worker processes, closed together."""

    def __init__(self, count: int, **extra_env: str) -> None:
        self.all = [WorkerProcess(**extra_env) for _ in range(count)]

    def __iter__(self):
        return iter(self.all)

    def close(self) -> None:
        for worker in self.all:
            worker.close()
