"""The embedded default: a fresh SQLite file, no configuration, push -> pop -> complete."""

import json
import os
import subprocess
import sys

from tests.support.processes import ROOT


def test_push_pop_complete_on_the_embedded_sqlite_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SCHEDULER_SQLITE_PATH"] = str(tmp_path / "embedded.sqlite3")
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.sqlite_smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["vendor"] == "sqlite"
    assert report["first"] == report["urgent"]
    assert report["completed"] == "completed"
    assert report["second"] == [report["low"]]
    assert report["empty"] == 0
    assert report["data_id"], "data.id is the task's id"
    assert report["group_whole"] and report["keyless_after"], "a dedup group pops whole, then the keyless task"
    assert report["paused"], "a paused scheduler's pop is empty and says paused"
    assert report["bounded"], "a maxsize set directly in the database binds the next push"
    assert (tmp_path / "embedded.sqlite3").exists()
