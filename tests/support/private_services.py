"""A PostgreSQL cluster and a RabbitMQ node of a test's own, to stop, kill and restart at will.

The machine's shared PostgreSQL (5432) and RabbitMQ (5672) serve everyone else's tests and must
never be touched, so fault tests start their own: `initdb` into a temporary folder owned by the
`postgres` user, and a second RabbitMQ node with its own name, ports, cookie, data and log folders.
Ports are picked free at start-up (never a fixed number, so two runs on one machine cannot meet)
and kept across restarts, as a real server's would be. Both need root (CI and developers are) and
the Debian packages the machine already has for the shared services.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

START_SECONDS = 60.0
TMP = Path(tempfile.gettempdir())
OWNER_FILE = "owner.pid"


def _owned_folder(prefix: str) -> Path:
    """A new temporary folder that names the process owning it, so a later run can clean up after a killed one."""
    for abandoned in ("rocky-faults-pg-", "rocky-faults-rmq-", "rocky-faults-pgbouncer-"):
        _sweep_abandoned(abandoned)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    return folder


def _sweep_abandoned(prefix: str) -> None:
    """Stop and delete instances whose test process died without tearing them down (SIGKILL, power cut)."""
    for folder in TMP.glob(f"{prefix}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        # SIGQUIT is PostgreSQL's immediate shutdown; a RabbitMQ node has nothing to lose by now.
        for pid_file, sig in (
            (folder / "data" / "postmaster.pid", signal.SIGQUIT),
            (folder / "node.pid", signal.SIGKILL),
            (folder / "pgbouncer.pid", signal.SIGKILL),
        ):
            try:
                os.kill(int(pid_file.read_text().split()[0]), sig)
            except (OSError, ValueError, IndexError):
                pass
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _postgres_bindir() -> Path:
    """The newest installed server's binaries (Debian keeps them out of PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return Path(os.path.realpath(initdb)).parent


class PostgresInstance:
    """A throw-away PostgreSQL cluster on 127.0.0.1:<free port>, trust auth, run as the `postgres` user."""

    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.root = _owned_folder("rocky-faults-pg-")
        shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        self.log = self.root / "postgresql.log"
        self.port = free_port()
        self._as_postgres(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-locale"
        )
        self.start()

    def _as_postgres(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bindir / tool), *args], user="postgres", capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr}\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return self.log.read_text()[-2000:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._as_postgres("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` rolls back open transactions and closes every connection, as a service restart does."""
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        connection = psycopg2.connect(self.url())
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def close(self) -> None:
        if self.running():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)


RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


class RabbitNode:
    """A second RabbitMQ node (`rocky-faults-<n>@localhost`) with its own ports, cookie and data folder.

    Run as root with HOME in the node's folder, so the node and our `rabbitmqctl` share a fresh Erlang
    cookie and nothing of the shared node's (user, cookie, /var/lib/rabbitmq) is read or changed.
    Data survives stop/start: durable queues and persistent messages are recovered from it.
    """

    def __init__(self) -> None:
        if not (RABBITMQ_BIN / "rabbitmq-server").exists():
            raise RuntimeError(f"rabbitmq-server is not installed in {RABBITMQ_BIN}")
        self.root = _owned_folder("rocky-faults-rmq-")
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"rocky-faults-{self.root.name.rsplit('-', 1)[-1].lower()}@localhost"
        (self.root / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq-env.conf").write_text("")
        self.env = {
            **os.environ,
            "HOME": str(self.root),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_PID_FILE": str(self.root / "node.pid"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        self.start()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def rabbitmqctl(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-q", "-n", self.node, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {result.stderr}{result.stdout}")
        return result.stdout

    def start(self) -> None:
        subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmq-server"), "-detached"],
            env=self.env,
            cwd=self.root,
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + START_SECONDS
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ node {self.node} did not open port {self.port}:\n{self._log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """A clean broker shutdown: connections closed, durable queues and persistent messages kept on disk."""
        self.rabbitmqctl("stop", str(self.root / "node.pid"))

    def _log_tail(self) -> str:
        logs = sorted((self.root / "log").glob("*.log"))
        return "\n".join(log.read_text()[-2000:] for log in logs)

    def close(self) -> None:
        pid_file = self.root / "node.pid"
        if pid_file.exists():
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                try:
                    os.kill(int(pid_file.read_text().strip()), 9)
                except (OSError, ValueError):
                    pass
        shutil.rmtree(self.root, ignore_errors=True)
