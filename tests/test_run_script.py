"""`make run` (scripts/run.sh) as a newcomer meets it: one clear line and exit 1 when it cannot start, the
banner only once the server answers, a worker token that works, and Ctrl-C ending everything with exit 0."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support.processes import ROOT

# Start-up migrates a new SQLite file and starts gunicorn and the cluster: seconds, not this.
START_SECONDS = 120
# Long enough for the cluster's first round of scheduled jobs (ingest, reschedule, leases, housekeeping).
QUIET_SECONDS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_script(tmp_path, port: int, **env: str) -> subprocess.Popen:
    """scripts/run.sh with its output in files (a pipe nobody reads would fill and stall the server's logging)."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment |= {
        "PY": sys.executable,
        "PORT": str(port),
        "SCHEDULER_SQLITE_PATH": str(tmp_path / "run.sqlite3"),
        "WEB_WORKERS": "1",
        **env,
    }
    # Its own process group, as a terminal gives it, so Ctrl-C can be sent the way a terminal sends it.
    out, err = tmp_path / f"out-{port}.txt", tmp_path / f"err-{port}.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            ["bash", "scripts/run.sh"],
            cwd=ROOT,
            env=environment,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            # As from a terminal: a test run started in the background (`.ci/run &`) ignores SIGINT, and a shell
            # that starts with SIGINT ignored cannot trap it, so run.sh would never see the Ctrl-C below.
            preexec_fn=_default_sigint,
        )
    process.out, process.err = out, err
    return process


def finished(process: subprocess.Popen) -> tuple[int, str, str]:
    process.wait(timeout=START_SECONDS)
    return process.returncode, process.out.read_text(), process.err.read_text()


def read_banner(process: subprocess.Popen) -> list[str]:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        lines = process.out.read_text().splitlines()
        if any(line.startswith("Press Ctrl-C") for line in lines):
            return lines
        assert process.poll() is None, f"run.sh ended before its banner: {lines} {process.err.read_text()}"
        time.sleep(0.2)
    raise AssertionError(f"no banner within {START_SECONDS} s: {process.out.read_text()}")


def ctrl_c(process: subprocess.Popen) -> int:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running 60 s after Ctrl-C: {process.err.read_text()[-4000:]}") from None
    finally:
        # Zombies (exited, waiting for init to reap them) are not left running.
        table = subprocess.run(["ps", "-e", "-o", "pgid=,stat=,pid=,args="], capture_output=True, text=True).stdout
    rows = [line.split(None, 3) for line in table.splitlines()]
    running = [row for row in rows if row[0] == str(process.pid) and not row[1].startswith("Z")]
    assert running == [], f"processes left running after Ctrl-C: {running}"
    return process.returncode


def get(url: str, token: str) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})  # noqa: S310 - local
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
        return response.status, json.loads(response.read())


def test_a_port_in_use_is_one_line_and_exit_1_and_nothing_started(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = finished(run_script(tmp_path, port))
    assert status == 1
    assert err.strip().splitlines() == [
        f"rocky_scheduler: cannot listen on 127.0.0.1:{port}: the port is in use (choose another with PORT=...)"
    ]
    assert "is running" not in out


@pytest.mark.parametrize(
    ("database_url", "says"),
    [
        ("postgres://postgres@127.0.0.1:5432/rocky_scheduler_no_such_database", 'database "rocky_scheduler_no_such'),
        ("postgres://postgres@127.0.0.1:1/rocky_scheduler", "Connection refused"),
    ],
)
def test_a_missing_or_unreachable_database_is_one_line_and_exit_1(tmp_path, database_url, says):
    status, out, err = finished(run_script(tmp_path, free_port(), DATABASE_URL=database_url))
    assert status == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("rocky_scheduler: the database cannot be used: ") and says in line
    assert "Traceback" not in out + err


def test_the_banner_comes_once_the_server_answers_and_ctrl_c_stops_everything_with_exit_0(tmp_path):
    port = free_port()
    process = run_script(tmp_path, port)
    try:
        banner = read_banner(process)
        text = "\n".join(banner)
        # The server answered before the banner was printed, so a request right now succeeds.
        (token,) = [line.split()[2] for line in banner if line.strip().startswith("worker token")]
        status, schedulers = get(f"http://127.0.0.1:{port}/api/v1/schedulers", token)
        assert status == 200 and {scheduler["id"] for scheduler in schedulers} >= {"boefje", "normalizer"}
        assert f"http://127.0.0.1:{port}/api/v1/docs" in text
        assert "role worker" in text
        assert "login admin / rocky-admin" in text
        # The cluster's jobs run every 30-60 s; after their first round the console holds one line about
        # ingestion (how events arrive) and none of django-q2's per-job chatter.
        time.sleep(QUIET_SECONDS)
        console = process.out.read_text() + process.err.read_text()
        assert [line for line in console.splitlines() if "ingest:" in line] == [
            line for line in console.splitlines() if "AMQP_URL is not set" in line
        ]
        assert len([line for line in console.splitlines() if "ingest:" in line]) == 1
        assert "INFO django-q" not in console
    finally:
        assert ctrl_c(process) == 0

    # A second start: the admin's password is its owner's now, so the banner does not claim to know it.
    again = run_script(tmp_path, port)
    try:
        text = "\n".join(read_banner(again))
        assert "rocky-admin" not in text and "password unchanged" in text
    finally:
        assert ctrl_c(again) == 0
