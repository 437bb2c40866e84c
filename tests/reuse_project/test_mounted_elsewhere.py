"""The app works inside a project that is not ours: other URL prefixes, other settings (Rocky's shape)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client, override_settings
from rest_framework.test import APIClient

from rocky_scheduler.models import Task, TaskEvent
from rocky_scheduler.services import task_push
from rocky_scheduler.services.tokens import token_issue
from tests.factories import boefje_data

ROOT = Path(__file__).resolve().parents[2]
API = "/scheduler/api/v1"


def worker() -> APIClient:
    user = User.objects.create_user(username="boefje-runner", password="pw-runner")
    user.groups.add(Group.objects.get(name="scheduler-workers"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)}")
    return client


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.reuse_project.urls")
def test_push_pop_and_admin_under_other_prefixes(admin_client: Client):
    runner = worker()

    pushed = runner.post(
        f"{API}/schedulers/boefje/push",
        {"organisation": "acme", "data": boefje_data(organisation="acme")},
        format="json",
    )
    assert pushed.status_code == 201, pushed.content
    popped = runner.post(f"{API}/schedulers/boefje/pop", format="json")
    assert popped.status_code == 200
    assert [task["id"] for task in popped.json()["results"]] == [pushed.json()["id"]]
    assert runner.get("/api/v1/schedulers").status_code == 404

    page = admin_client.get("/beheer/rocky_scheduler/task/")
    assert page.status_code == 200
    assert f'href="/beheer/rocky_scheduler/task/{pushed.json()["id"]}/change/' in page.content.decode()
    assert admin_client.get("/admin/rocky_scheduler/task/").status_code == 404


def push_user_scan(*, organisation_code: str, boefje: dict, input_ooi: str, username: str) -> Task:
    """The in-process push of docs/rocky-integration.md, as a Rocky view makes it."""
    return task_push(
        scheduler_id="boefje",
        organisation=organisation_code,
        priority=1,
        data={"boefje": boefje, "input_ooi": input_ooi, "organization": organisation_code},
        actor=f"user:{username}",
    )


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.reuse_project.urls")
def test_a_rocky_view_pushes_in_process_and_a_worker_pops_it_first():
    task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(organisation="acme"), priority=7)
    task = push_user_scan(
        organisation_code="acme",
        boefje={"id": "nmap", "name": "Nmap", "version": None},
        input_ooi="IPAddressV4|internet|192.0.2.1",
        username="alice",
    )

    popped = worker().post(f"{API}/schedulers/boefje/pop", format="json").json()["results"]

    assert [item["id"] for item in popped] == [str(task.pk)]
    assert TaskEvent.objects.get(task=task, kind="created").actor == "user:alice"


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "django", *args, "--settings=tests.reuse_project.settings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_the_host_settings_pass_checks_and_need_no_migration_of_their_own():
    checked = manage("check", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    missing = manage("makemigrations", "--check", "--dry-run")
    assert missing.returncode == 0, missing.stdout + missing.stderr


def test_the_migrations_run_in_the_host_project_and_create_the_groups(tmp_path):
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth.models import Group;"
        "print(sorted(Group.objects.values_list('name', flat=True)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "tests.reuse_project.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "['scheduler-analysts', 'scheduler-readonly', 'scheduler-workers']" in result.stdout
