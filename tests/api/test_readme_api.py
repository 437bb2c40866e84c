"""The README's "Use the API" walk-through, run as a reader would: its curl commands against a live server with
`make run`'s demo (the worker and its token), each answer compared with the one the README shows (ids and times
are the server's own; every other key and value is as shown)."""

import datetime
import json
import os
import re
import shutil
import subprocess

import pytest

from rocky_scheduler.services.demo_seed import demo_seed
from tests.support.doc_snippets import README, snippets
from tests.support.live_server import GunicornServer
from tests.support.processes import ROOT

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.standalone]

STEPS = ("push", "pop", "running", "completed", "get")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ASSIGNMENT = re.compile(r"^(?P<name>[A-Z_]+)=(?P<value>\S+)(?:\s+#.*)?$", re.MULTILINE)


def timestamp(value: object) -> bool:
    try:
        return isinstance(value, str) and datetime.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def same(shown: object, answered: object, ids: dict[str, str], where: str = "answer") -> None:
    """`answered` is `shown` but for ids (each README id stands for one id of the server's) and times."""
    if isinstance(shown, dict):
        assert isinstance(answered, dict) and sorted(answered) == sorted(shown), where
        for key, value in shown.items():
            same(value, answered[key], ids, f"{where}.{key}")
    elif isinstance(shown, list):
        assert isinstance(answered, list) and len(answered) == len(shown), where
        for index, (value, got) in enumerate(zip(shown, answered, strict=True)):
            same(value, got, ids, f"{where}[{index}]")
    elif isinstance(shown, str) and UUID.match(shown):
        assert isinstance(answered, str) and UUID.match(answered), where
        assert ids.setdefault(shown, answered) == answered, f"{where}: {shown} stood for {ids[shown]} before"
    elif timestamp(shown):
        assert timestamp(answered), where
    else:
        assert answered == shown, where


def run(command: str, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert (done.returncode, done.stderr) == (0, ""), command
    return done.stdout


def test_the_setup_names_the_address_make_run_serves():
    setup = dict(ASSIGNMENT.findall(snippets(README)["api-setup"]))
    script = (ROOT / "scripts" / "run.sh").read_text()
    host = re.search(r"^HOST=\$\{HOST:-(.+)\}$", script, re.MULTILINE)[1]
    port = re.search(r"^PORT=\$\{PORT:-(.+)\}$", script, re.MULTILINE)[1]
    assert setup["SCHEDULER"] == f"http://{host}:{port}/api/v1"
    assert set(setup) == {"SCHEDULER", "TOKEN"}


def test_the_walk_through_answers_as_the_readme_shows(tmp_path):
    assert shutil.which("curl"), "the walk-through needs curl"
    blocks = snippets(README)
    token = demo_seed(username="admin", password="rocky-admin").worker_token
    server = GunicornServer(workers=1, log_dir=tmp_path)
    env = {**os.environ, "SCHEDULER": f"http://127.0.0.1:{server.port}/api/v1", "TOKEN": token}
    ids: dict[str, str] = {}
    try:
        for step in STEPS:
            command = blocks[f"api-{step}"]
            for shown, real in ids.items():
                command = command.replace(shown, real)
            answered = json.loads(run(command, env))
            same(json.loads(blocks[f"api-{step}-answer"]), answered, ids, where=step)
            # A variable a block sets (TASK) is there for the blocks after it, as in the reader's shell.
            env.update(ASSIGNMENT.findall(command))
    finally:
        server.stop()
    assert len(set(ids.values())) == len(ids), "two ids of the README stand for one task"
    assert "TASK" in env
