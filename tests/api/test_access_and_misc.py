"""Authentication, permissions, health, metrics, OpenAPI, body limits."""

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.models import Task
from tests.factories import TaskFactory, boefje_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "/schedulers"),
    ("get", "/schedulers/boefje"),
    ("patch", "/schedulers/boefje"),
    ("post", "/schedulers/boefje/push"),
    ("post", "/schedulers/boefje/pop"),
    ("get", "/queues"),
    ("get", "/queues/boefje"),
    ("get", "/tasks"),
    ("post", "/tasks"),
    ("get", "/tasks/stats"),
    ("get", "/tasks/00000000-0000-0000-0000-000000000000"),
    ("patch", "/tasks/00000000-0000-0000-0000-000000000000"),
    ("get", "/schedules"),
    ("post", "/schedules"),
    ("post", "/schedules/search"),
    ("get", "/schedules/00000000-0000-0000-0000-000000000000"),
    ("get", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_needs_a_token(anonymous_api, method, path):
    response = getattr(anonymous_api, method)(PREFIX + path, {}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["detail"]


@pytest.mark.standalone  # inside Rocky its login-required middleware answers 403 first (test_host_authentication.py)
def test_bad_token_is_401(anonymous_api):
    anonymous_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anonymous_api.get(f"{PREFIX}/tasks").status_code == 401


@override_settings(ROCKY_SCHEDULER={**settings.ROCKY_SCHEDULER, "API_ALLOW_ANONYMOUS": True})
def test_anonymous_mode_allows_push_and_pop(anonymous_api):
    body = {"organisation": "acme", "data": boefje_data()}
    assert anonymous_api.post(f"{PREFIX}/schedulers/boefje/push", body, format="json").status_code == 201
    assert len(anonymous_api.post(f"{PREFIX}/schedulers/boefje/pop").json()["results"]) == 1


def test_readonly_user_reads_but_cannot_push_pop_patch(readonly_api):
    task = TaskFactory()
    assert readonly_api.get(f"{PREFIX}/tasks").status_code == 200
    body = {"organisation": "acme", "data": boefje_data()}
    assert readonly_api.post(f"{PREFIX}/schedulers/boefje/push", body, format="json").status_code == 403
    assert readonly_api.post(f"{PREFIX}/schedulers/boefje/pop").status_code == 403
    assert readonly_api.patch(f"{PREFIX}/tasks/{task.id}", {"priority": 1}, format="json").status_code == 403
    assert readonly_api.patch(f"{PREFIX}/tasks/{task.id}", {"status": "cancelled"}, format="json").status_code == 403
    assert Task.objects.get(pk=task.pk).priority == task.priority
    assert Task.objects.count() == 1


def test_worker_cannot_reprioritise(worker_api):
    task = TaskFactory()
    assert worker_api.patch(f"{PREFIX}/tasks/{task.id}", {"priority": 1}, format="json").status_code == 403


def test_analyst_can_cancel(analyst_api):
    task = TaskFactory()
    response = analyst_api.patch(f"{PREFIX}/tasks/{task.id}", {"status": "cancelled"}, format="json")
    assert response.status_code == 200


def test_health_is_public(anonymous_api):
    body = anonymous_api.get(f"{PREFIX}/health").json()
    assert body["service"] == "scheduler" and body["healthy"] is True
    assert {"version", "additional", "results", "externals"} <= set(body)


def test_metrics_expose_depth_age_and_counters(admin_api):
    admin_api.post(f"{PREFIX}/schedulers/boefje/push", {"organisation": "acme", "data": boefje_data()}, format="json")
    TaskFactory()
    text = admin_api.get(f"{PREFIX}/metrics").content.decode()
    assert 'rocky_scheduler_tasks{scheduler="boefje",status="queued"} 2.0' in text
    assert 'rocky_scheduler_oldest_queued_age_seconds{scheduler="boefje"}' in text
    assert "rocky_scheduler_tasks_pushed_total" in text


def test_openapi_schema_and_docs_without_cdn(admin_api):
    schema = admin_api.get(f"{PREFIX}/schema?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert any(path.endswith("/schedulers/{scheduler_id}/pop") for path in schema["paths"])
    docs = admin_api.get(f"{PREFIX}/docs").content.decode()
    assert "swagger" in docs.lower()
    assert "cdn." not in docs and "unpkg" not in docs and "jsdelivr" not in docs


@override_settings(ROCKY_SCHEDULER={**settings.ROCKY_SCHEDULER, "MAX_BODY_BYTES": 2048})
def test_oversized_body_is_413_and_nothing_is_queued(admin_api):
    data = {**boefje_data(), "padding": "x" * 4096}
    response = admin_api.post(f"{PREFIX}/schedulers/boefje/push", {"organisation": "acme", "data": data}, format="json")
    assert response.status_code == 413
    assert response.json()["detail"]
    assert not Task.objects.exists()


def test_deeply_nested_and_invalid_utf8_bodies_are_400(admin_api):
    deep = "[" * 100_000 + "]" * 100_000
    response = admin_api.post(f"{PREFIX}/schedulers/boefje/push", data=deep, content_type="application/json")
    assert response.status_code in (400, 413)
    response = admin_api.post(f"{PREFIX}/schedulers/boefje/push", data=b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


def test_nul_characters_are_400_not_500(admin_api):
    assert admin_api.get(f"{PREFIX}/schedules", {"organisation": "a\x00b"}).status_code == 400
    body = {"organisation": "acme", "data": {**boefje_data(), "input_ooi": "Hostname|x\u0000"}}
    response = admin_api.post(f"{PREFIX}/schedulers/boefje/push", body, format="json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not Task.objects.exists()


@pytest.mark.standalone  # the standalone project's environment variable and manage.py
@pytest.mark.parametrize(("flag", "warned"), [("1", True), ("0", False)])
def test_anonymous_mode_warns_at_start_up(flag, warned):
    import os
    import subprocess
    import sys

    from tests.support.processes import ROOT

    env = {**os.environ, "SCHEDULER_API_ALLOW_ANONYMOUS": flag}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert ("Anonymous API access is ON" in result.stderr) is warned
