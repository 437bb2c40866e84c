"""docs/rocky-integration.md's blocks, run in the Rocky-shaped host as a Rocky operator would run them.

The settings and URL blocks are executed by tests/rocky_host/settings.py and urls.py themselves; the
install block by tests/packaging; the client factory by tests/client/test_rocky_models.py. The last test
makes sure no block of the page is left to nobody.
"""

import configparser
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_q.models import Schedule as QSchedule
from django_q.models import Success
from knox.models import AuthToken

from rocky_scheduler.conf import DEFAULTS
from rocky_scheduler.models import Task, TaskStatus
from tests.factories import boefje_data
from tests.support import processes
from tests.support.api_clients import PREFIX
from tests.support.doc_snippets import snippet, snippets
from tests.support.processes import ROOT

QCLUSTER_SECONDS = 60


def manage_py_lines(block: str) -> list[list[str]]:
    """A block's `python manage.py ...` lines as argument lists, comments dropped."""
    lines = [shlex.split(line, comments=True) for line in block.splitlines()]
    lines = [line for line in lines if line]
    assert all(line[:2] == ["python", "manage.py"] for line in lines), lines
    return [line[2:] for line in lines]


def qcluster_line() -> list[str]:
    (line,) = [args for args in manage_py_lines(snippet("commands")) if args[0] == "qcluster"]
    return line


@pytest.mark.django_db
def test_the_guides_migrate_and_setup_schedules_lines_declare_the_background_jobs():
    commands = [args for args in manage_py_lines(snippet("commands")) if args[0] != "qcluster"]
    assert [args[0] for args in commands] == ["migrate", "setup_schedules"]
    for _ in range(2):  # every deploy runs them again: both must be idempotent
        for args in commands:
            call_command(*args, verbosity=0)
    assert sorted(QSchedule.objects.values_list("name", flat=True)) == [
        "rocky_scheduler.housekeeping",
        "rocky_scheduler.ingest",
        "rocky_scheduler.lease_expiry",
        "rocky_scheduler.plugin_reconcile",
        "rocky_scheduler.reschedule",
        "rocky_scheduler.task_counts",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_guides_qcluster_runs_the_scheduler_jobs_on_rockys_database_and_stops_on_sigint(tmp_path):
    call_command("setup_schedules", verbosity=0)
    # `python manage.py qcluster` of the host is `python -m django qcluster` with the host's settings.
    log = (tmp_path / "qcluster.log").open("w")
    cluster = subprocess.Popen(
        [sys.executable, "-m", "django", *qcluster_line()],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.rocky_host.settings",
            "DATABASE_URL": processes.test_database_url(),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        jobs = {"rocky_scheduler.jobs.reschedule_due", "rocky_scheduler.jobs.expire_leases"}
        deadline = time.monotonic() + QCLUSTER_SECONDS
        while set(Success.objects.filter(func__in=jobs).values_list("func", flat=True)) != jobs:
            assert cluster.poll() is None, (tmp_path / "qcluster.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "qcluster.log").read_text()
            time.sleep(0.5)
    finally:
        # The systemd unit's KillSignal: django-q2 finishes the job in hand and exits.
        cluster.send_signal(signal.SIGINT)
        try:
            returncode = cluster.wait(timeout=QCLUSTER_SECONDS)
        except subprocess.TimeoutExpired:
            cluster.kill()
            raise
        log.close()
    assert returncode == 0, (tmp_path / "qcluster.log").read_text()


def test_the_guides_systemd_unit_runs_the_same_qcluster_with_rockys_cli_and_stops_it_with_sigint():
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(snippet("systemd"))
    service = unit["Service"]
    assert shlex.split(service["ExecStart"])[1:] == qcluster_line()
    assert service["KillSignal"] == "SIGINT"
    assert service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_guides_compose_service_runs_the_same_qcluster_from_rockys_image():
    (name, service), *others = yaml.safe_load(snippet("compose"))["services"].items()
    assert others == []
    assert shlex.split(service["command"]) == ["python", "manage.py", *qcluster_line()]
    assert "rocky" in service["image"]
    assert service["restart"] == "on-failure"


@pytest.mark.django_db
def test_the_guides_worker_user_with_a_knox_token_made_as_rockys_admin_makes_one_pushes_and_pops():
    (args,) = manage_py_lines(snippet("worker"))
    call_command(*args, verbosity=0)
    call_command(*args, verbosity=0)  # run again (every deploy script does): still one user, no error
    (user,) = get_user_model().objects.filter(email=args[1])
    assert not user.is_staff
    client = Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    pushed = client.post(
        f"{PREFIX}/schedulers/boefje/push", {"organisation": "acme", "data": boefje_data()}, "application/json"
    )
    assert pushed.status_code == 201, pushed.content
    popped = client.post(f"{PREFIX}/schedulers/boefje/pop", content_type="application/json")
    assert [task["id"] for task in popped.json()["results"]] == [pushed.json()["id"]]
    running = client.patch(f"{PREFIX}/tasks/{pushed.json()['id']}", {"status": "running"}, "application/json")
    assert running.status_code == 200, running.content
    assert Task.objects.get().status == TaskStatus.RUNNING


def test_every_block_of_the_guide_is_run_by_a_test():
    used = set()
    for path in (ROOT / "tests").rglob("*.py"):
        used.update(re.findall(r"""snippet\(\s*["']([\w./-]+)["']""", path.read_text(encoding="utf-8")))
    assert sorted(set(snippets()) - used) == []
    assert sorted(used - set(snippets())) == []
    assert (ROOT / "docs" / "rocky-integration.md").read_text().count("```") == 2 * len(snippets()), "unmarked block"


def test_the_guides_settings_reference_is_every_setting_with_its_default():
    namespace: dict = {}
    exec(snippet("reference"), namespace)  # noqa: S102 - our own documentation
    assert namespace["ROCKY_SCHEDULER"] == DEFAULTS
