"""A PgBouncer of a test's own in transaction mode, in front of the machine's PostgreSQL (Debian's `pgbouncer`).

Transaction mode is what production poolers run: a server session serves a client only for one
transaction, then the next client's. Anything that outlives a transaction (a prepared statement, a
session setting, a held server-side cursor, a session advisory lock) would meet another client there,
which is what the tests behind it are for.
"""

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.private_services import START_SECONDS, _owned_folder, free_port, port_open

PGBOUNCER = Path("/usr/sbin/pgbouncer")


class PgBouncer:
    """Listens on 127.0.0.1:<free port>, passes every database name through to 127.0.0.1:5432 (trust auth)."""

    def __init__(self, *, server_port: int = 5432, pool_size: int = 20) -> None:
        if not PGBOUNCER.exists():
            raise RuntimeError(f"{PGBOUNCER} is missing: apt-get install -y pgbouncer (scripts/test_prerequisites.sh)")
        self.root = _owned_folder("rocky-faults-pgbouncer-")
        self.port = free_port()
        (self.root / "userlist.txt").write_text('"postgres" ""\n')
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={server_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            "max_client_conn = 500\n"
            f"default_pool_size = {pool_size}\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
            f"pidfile = {self.root / 'pgbouncer.pid'}\n"
        )
        # PgBouncer refuses to run as root; it drops to the `postgres` user, which must write its log and pid.
        shutil.chown(self.root, "postgres")
        for name in ("userlist.txt", "pgbouncer.ini"):
            shutil.chown(self.root / name, "postgres")
        subprocess.run(
            [str(PGBOUNCER), "-d", "-u", "postgres", str(self.root / "pgbouncer.ini")],
            check=True,
            capture_output=True,
            timeout=30,
        )
        deadline = time.monotonic() + START_SECONDS
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"PgBouncer did not open port {self.port}:\n{self.log_tail()}")
            time.sleep(0.1)

    def url_for(self, database_url: str) -> str:
        """`database_url` (a postgres:// URL of the machine's PostgreSQL) through this pooler."""
        parts = urlsplit(database_url)
        user = parts.username or "postgres"
        return urlunsplit((parts.scheme, f"{user}@127.0.0.1:{self.port}", parts.path, parts.query, ""))

    def log_tail(self) -> str:
        try:
            return (self.root / "pgbouncer.log").read_text()[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        pid_file = self.root / "pgbouncer.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            pid = None
        if pid is not None:
            subprocess.run(["kill", "-TERM", str(pid)], capture_output=True)
            deadline = time.monotonic() + 10
            while port_open(self.port) and time.monotonic() < deadline:
                time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
