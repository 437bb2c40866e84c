"""The server side of bench/http_bench.py: gunicorn started as scripts/run.sh starts it, and CPU accounting.

CPU is read from /proc (psutil) for the gunicorn workers, the PostgreSQL backends serving the
bench database and the client processes, so a reader sees per request where the two shared cores
went, and how much of them other programs on the machine took during a phase.
"""

import http.client
import os
import runpy
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


GUNICORN_CONF = ROOT / "scheduler_project" / "gunicorn.conf.py"


def deployed_config() -> "ServerConfig":
    """What scripts/run.sh starts: scheduler_project/gunicorn.conf.py read with this environment."""
    settings = runpy.run_path(str(GUNICORN_CONF))
    return ServerConfig(settings["worker_class"], settings["workers"], settings.get("threads", 1))


def deployed_workers() -> int:
    return deployed_config().workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ServerConfig:
    """A gunicorn deployment to measure: `sync:5` (5 sync workers) or `gthread:5x4` (5 workers of 4 threads)."""

    worker_class: str
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> "ServerConfig":
        worker_class, _, size = text.partition(":")
        if not size:
            deployed = deployed_config()
            return cls(worker_class, deployed.workers, deployed.threads if worker_class == "gthread" else 1)
        workers, _, threads = size.partition("x")
        return cls(worker_class=worker_class, workers=int(workers), threads=int(threads or 1))

    @property
    def label(self) -> str:
        threads = f"x{self.threads}" if self.worker_class == "gthread" else ""
        return f"{self.worker_class}:{self.workers}{threads}"

    def arguments(self) -> list[str]:
        # Threads always given: gunicorn runs a `sync` worker with more than one thread (the deployed config file's)
        # as gthread.
        return ["--workers", str(self.workers), "--worker-class", self.worker_class, "--threads", str(self.threads)]


class GunicornServer:
    """`gunicorn scheduler_project.wsgi` with an access log, as scripts/run.sh runs it (its gunicorn.conf.py), or
    with the worker class and counts of `config` instead."""

    def __init__(
        self,
        *,
        workers: int | None = None,
        config: ServerConfig | None = None,
        database_url: str,
        log_path: Path,
        app: str = "scheduler_project.wsgi:application",
        ready_path: str = "/api/v1/health",
    ) -> None:
        deployed = deployed_config()
        config = config or ServerConfig(deployed.worker_class, workers or deployed.workers, deployed.threads)
        self.config = config
        self.workers = config.workers
        self.app = app
        self.ready_path = ready_path
        self.port = free_port()
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{self.port}",
            *config.arguments(),
            # run.sh logs every request to stdout; here stdout goes to a file, at the same cost per request.
            "--access-logfile",
            "-",
        ]
        # DEBUG off as in production: with it on, Django keeps every query of a request in memory.
        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0"}
        env.pop("DJANGO_SETTINGS_MODULE", None)  # scheduler_project.wsgi sets its own
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=log, stderr=log)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("GET", self.ready_path)
                if connection.getresponse().status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become ready; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def worker_rss_mb(self) -> dict[int, float]:
        """Resident memory of each worker process, in MB (issue 16: a server process's memory stays flat)."""
        sizes = {}
        for pid in self.worker_pids():
            try:
                sizes[pid] = psutil.Process(pid).memory_info().rss / 2**20
            except psutil.Error:
                continue  # exited between listing and reading
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class CpuSnapshot:
    """Cumulative CPU seconds (user + system) of each process of interest, and of the whole machine."""

    workers: dict[int, float]
    postgres: dict[int, float]
    machine_busy: float
    machine_total: float


def _cpu_seconds(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None  # exited between listing and reading
    return times.user + times.system


def postgres_backend_pids(database_name: str) -> list[int]:
    """Backends connected to `database_name`: their process title names the database."""
    marker = f" {database_name} "
    pids = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if cmdline.startswith("postgres:") and marker in cmdline:
            pids.append(process.pid)
    return pids


def cpu_snapshot(server: GunicornServer, database_name: str) -> CpuSnapshot:
    workers = {pid: seconds for pid in server.worker_pids() if (seconds := _cpu_seconds(pid)) is not None}
    postgres = {
        pid: seconds for pid in postgres_backend_pids(database_name) if (seconds := _cpu_seconds(pid)) is not None
    }
    machine = psutil.cpu_times()
    idle = machine.idle + getattr(machine, "iowait", 0.0)
    total = sum(machine)
    # steal is time the hypervisor gave to someone else: neither ours nor idle.
    return CpuSnapshot(workers, postgres, total - idle - getattr(machine, "steal", 0.0), total)


class CpuTracker:
    """CPU used during a phase, sampled while it runs.

    Django closes a connection older than CONN_MAX_AGE (60 s) after a request, and its backend
    exits: a snapshot at the end alone would lose that backend's CPU. Sampling every second keeps
    the last reading of every backend seen, so at most a second of an exited one goes missing.
    """

    def __init__(self, server: GunicornServer, database_name: str) -> None:
        self.server, self.database_name = server, database_name
        self.before = cpu_snapshot(server, database_name)
        self.postgres_seen = dict(self.before.postgres)

    def sample(self) -> None:
        for pid in postgres_backend_pids(self.database_name):
            if (seconds := _cpu_seconds(pid)) is not None:
                self.postgres_seen[pid] = seconds

    def used(self) -> dict[str, float]:
        after = cpu_snapshot(self.server, self.database_name)
        self.postgres_seen.update(after.postgres)
        return cpu_used(self.before, after, postgres_seen=self.postgres_seen)


def cpu_used(
    before: CpuSnapshot, after: CpuSnapshot, *, postgres_seen: dict[int, float] | None = None
) -> dict[str, float]:
    """CPU seconds spent between two snapshots: server workers, database backends, whole machine."""

    def delta(start: dict[int, float], end: dict[int, float]) -> float:
        # A process born during the phase (a new backend) counts from zero.
        return sum(seconds - start.get(pid, 0.0) for pid, seconds in end.items())

    return {
        "server_workers": delta(before.workers, after.workers),
        "postgres_backends": delta(before.postgres, postgres_seen if postgres_seen is not None else after.postgres),
        "machine_busy": after.machine_busy - before.machine_busy,
        # All CPUs together: nproc x wall seconds, up to clock granularity.
        "machine_capacity": after.machine_total - before.machine_total,
    }
