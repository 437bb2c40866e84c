"""Who may call which API endpoint: every role against every endpoint, and nothing changes when refused.

The roles are the default groups of migration 0004 plus a user in no group and a superuser; the
expected answers are the table in tests/security/endpoints.py (and docs/security.md).
"""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import override_settings

from rocky_scheduler import urls as api_urls
from tests.security.conftest import ROLES, api_client_for, assert_unchanged, rolled_back
from tests.security.endpoints import ENDPOINTS, PROTECTED, Endpoint
from tests.security.snapshot import database_snapshot
from tests.support.api_clients import PREFIX, client_for

pytestmark = pytest.mark.django_db

HANDLERS = ("get", "post", "put", "patch", "delete")
# The catch-all answers 404 to every method on every other path: nothing to authorise
# (tests/api/test_api_root.py holds it to that).
NOT_FOUND_ROUTE = "not-found"


def call(client, endpoint: Endpoint, world, **extra):
    body = endpoint.body() if endpoint.body else None
    method = getattr(client, endpoint.method)
    return method(PREFIX + world.fill(endpoint.path), body, format="json", **extra)


def test_the_table_names_every_route_and_method():
    # A new endpoint or method without an entry in endpoints.py fails here, not silently unguarded.
    routed = set()
    for pattern in api_urls.urlpatterns:
        if pattern.name == NOT_FOUND_ROUTE:
            continue
        view = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
        routed |= {(pattern.name, method) for method in HANDLERS if hasattr(view, method)}
    assert routed == {(endpoint.name, endpoint.method) for endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_each_role_gets_exactly_what_the_table_allows(world, endpoint):
    clients = {role: api_client_for(role) for role in ROLES}
    for role in ROLES:
        # Each role meets the same world: an allowed call's changes are undone before the next role.
        with rolled_back():
            before = database_snapshot()
            response = call(clients[role], endpoint, world)
            what = f"{role} {endpoint.id} -> {response.status_code}: {response.content[:300]!r}"
            if role in endpoint.allowed:
                assert response.status_code == endpoint.ok, what
                continue
            assert response.status_code in ((401, 403) if role == "anonymous" else (403,)), what
            assert response.json()["detail"], what
            assert_unchanged(before, what)


@override_settings(ROCKY_SCHEDULER={"API_ALLOW_ANONYMOUS": True})
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_anonymous_mode_opens_everything_but_the_scheduler_settings(world, endpoint):
    before = database_snapshot()

    response = call(api_client_for("anonymous"), endpoint, world)

    if (endpoint.name, endpoint.method) == ("scheduler-detail", "patch"):
        # Queue settings stay staff-only even on a trusted network.
        assert response.status_code in (401, 403)
        assert_unchanged(before, endpoint.id)
    else:
        assert response.status_code == endpoint.ok, response.content[:300]


@pytest.mark.parametrize(
    ("is_staff", "has_permission"), [(True, False), (False, True)], ids=["staff-without-permission", "not-staff"]
)
def test_scheduler_settings_need_staff_and_the_permission(world, is_staff, has_permission):
    user = User.objects.create_user("half-operator", password="pw-half-operator", is_staff=is_staff)
    if has_permission:
        user.user_permissions.add(Permission.objects.get(codename="change_scheduler"))
    client = client_for(user)
    before = database_snapshot()

    response = client.patch(f"{PREFIX}/schedulers/boefje", {"paused": True, "maxsize": 1}, format="json")

    assert response.status_code == 403
    assert_unchanged(before, "PATCH /schedulers/boefje")


BAD_CREDENTIALS = ["Token not-a-real-token", "Token ", "Bearer abc", "Token a b", "Basic cm9vdDpwdw=="]


@pytest.mark.parametrize("endpoint", PROTECTED, ids=lambda endpoint: endpoint.id)
def test_a_bad_or_foreign_credential_is_refused_and_changes_nothing(world, endpoint):
    before = database_snapshot()
    for header in BAD_CREDENTIALS:
        client = api_client_for("anonymous")
        client.credentials(HTTP_AUTHORIZATION=header)

        response = call(client, endpoint, world)

        assert response.status_code in (401, 403), (header, response.content[:300])
    assert_unchanged(before, endpoint.id)


def test_the_token_of_a_deactivated_user_no_longer_works(world):
    user = User.objects.create_superuser("leaver", "", "pw-leaver-secure")
    client = client_for(user)
    assert client.get(f"{PREFIX}/tasks").status_code == 200
    user.is_active = False
    user.save()
    before = database_snapshot()

    response = client.post(f"{PREFIX}/schedulers/boefje/pop", format="json")

    assert response.status_code == 401
    assert_unchanged(before, "pop by a deactivated user")


def test_a_mixed_patch_refused_halfway_changes_nothing(world):
    # An analyst may re-prioritise but not complete a task: the priority must not change either.
    client = api_client_for("analyst")
    task = world.task
    before = database_snapshot()

    response = client.patch(f"{PREFIX}/tasks/{task.pk}", {"priority": 7, "status": "completed"}, format="json")

    assert response.status_code == 403
    assert_unchanged(before, "analyst PATCH priority+status")


def test_a_mixed_patch_with_an_illegal_transition_changes_nothing(world):
    client = api_client_for("superuser")
    before = database_snapshot()

    response = client.patch(f"{PREFIX}/tasks/{world.task.pk}", {"priority": 7, "status": "completed"}, format="json")

    assert response.status_code == 409
    assert_unchanged(before, "PATCH priority + queued->completed")
