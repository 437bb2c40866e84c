"""DATABASE_POOL_MODE: what the standalone project turns off behind a transaction-mode pooler (docs/deployment.md)."""

import os
import subprocess
import sys

from tests.support.processes import ROOT

READ = (
    "from scheduler_project import settings as s; "
    "print(s.ROCKY_SCHEDULER['PREPARED_STATEMENTS'], s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))"
)


def settings_with(**env: str) -> subprocess.CompletedProcess:
    environment = os.environ | {"DATABASE_URL": "postgres://postgres@127.0.0.1:6432/scheduler"} | env
    return subprocess.run([sys.executable, "-c", READ], env=environment, cwd=ROOT, capture_output=True, text=True)


def test_session_mode_keeps_prepared_statements_and_transaction_mode_turns_off_what_outlives_a_transaction():
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_POOL_MODE"}
    default = subprocess.run(
        [sys.executable, "-c", READ],
        env=environment | {"DATABASE_URL": "postgres://postgres@127.0.0.1:6432/scheduler"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert default.stdout.split() == ["True", "False"]
    assert settings_with(DATABASE_POOL_MODE="transaction").stdout.split() == ["False", "True"]


def test_an_unknown_pool_mode_stops_start_up_with_a_clear_message():
    result = settings_with(DATABASE_POOL_MODE="statement")
    assert result.returncode != 0
    assert "DATABASE_POOL_MODE is 'statement': use 'session' or 'transaction'" in result.stderr
