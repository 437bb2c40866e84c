"""A whole scheduler node in processes of its own: a gunicorn server and a django-q2 cluster (the AMQP consumer,
rescheduling, lease expiry), as a production node runs them, against a database and a RabbitMQ given by URL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.live_server import GunicornServer
from tests.support.processes import ROOT

# A cluster asked to stop finishes the job in hand; an ingest run holds its worker for INGEST_RUN_SECONDS (90 s),
# longer than a rolling restart should wait, so a cluster still running after this is killed like a lost node.
STOP_SECONDS = 20.0


class Node:
    def __init__(self, name: str, *, database_url: str, amqp_url: str, log_dir: Path, pool_mode: str = "session"):
        self.name = name
        self.log_dir = log_dir
        self.env = {
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "DATABASE_POOL_MODE": pool_mode,
            "Q_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
        }
        self.starts = 0
        self.server: GunicornServer | None = None
        self.cluster: subprocess.Popen | None = None
        self.start()

    def _folder(self) -> Path:
        folder = self.log_dir / f"{self.name}-{self.starts}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def start(self) -> None:
        self.starts += 1
        self.server = GunicornServer(workers=2, extra_env=self.env, log_dir=self._folder())
        self.start_cluster()

    def start_cluster(self) -> None:
        log = (self._folder() / "qcluster.log").open("a")
        self.cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: the cluster's workers are its children, and a lost node loses them all.
            start_new_session=True,
        )
        log.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.port

    def kill_cluster(self) -> None:
        """kill -9 of the whole cluster, as when the node's machine dies: no job finishes, no connection closes."""
        assert self.cluster is not None
        _signal_group(self.cluster, signal.SIGKILL)
        self.cluster.wait(timeout=30)

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the cluster and the server), escalating to SIGKILL after STOP_SECONDS."""
        if self.cluster is not None and self.cluster.poll() is None:
            _signal_group(self.cluster, signal.SIGTERM)
            try:
                self.cluster.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
            # Whatever is left of the group (workers mid-job) goes the hard way.
            _signal_group(self.cluster, signal.SIGKILL)
            self.cluster.wait(timeout=30)
        if self.server is not None:
            self.server.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def logs(self) -> str:
        tails = []
        for log in sorted(self.log_dir.glob(f"{self.name}-*/*.log")):
            tails.append(f"--- {log.relative_to(self.log_dir)}\n{log.read_text()[-1500:]}")
        return "\n".join(tails)


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    # A moment for the signal to land before the caller waits on the leader.
    time.sleep(0.05)
