"""The scheduler's API inside the Rocky-shaped host: reachable where Rocky lets machines in, with Rocky's tokens."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from knox.models import AuthToken

from tests.support.api_clients import PREFIX
from tests.support.users import make_superuser, make_user

pytestmark = pytest.mark.django_db


def knox_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")


def worker(name: str = "boefje-runner"):
    user = make_user(name)
    user.groups.add(Group.objects.get(name="scheduler-workers"))
    return user


def test_the_api_is_mounted_under_rockys_api_prefix():
    # Rocky's login-required middleware lets only /api/ through without a session.
    assert PREFIX == "/api/v1/scheduler"


def test_without_credentials_the_api_answers_401_json_not_rockys_login_redirect():
    response = Client().post(f"{PREFIX}/schedulers/boefje/pop", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_knox_token_of_a_user_without_scheduler_permissions_is_403():
    response = knox_client(make_user("stranger")).post(f"{PREFIX}/schedulers/boefje/pop")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_rockys_default_staff_only_permission_does_not_apply_to_the_scheduler():
    # Rocky's REST_FRAMEWORK says IsAdminUser; a worker is no staff, and the scheduler's own permissions decide.
    response = knox_client(worker()).get(f"{PREFIX}/schedulers")
    assert response.status_code == 200


def test_an_unknown_token_is_refused_by_rockys_middleware_before_the_scheduler():
    # Rocky answers 403 for any Authorization header knox does not know, on every path (docs/rocky-integration.md).
    response = Client(HTTP_AUTHORIZATION="Token " + "0" * 64).get(f"{PREFIX}/schedulers")
    assert response.status_code == 403


def test_rockys_own_api_keeps_its_defaults():
    # The app sets its own classes on its views; Rocky's views keep knox + staff only.
    assert knox_client(worker("not-staff")).get("/api/v1/organization/").status_code == 403
    assert knox_client(make_superuser("rocky-admin")).get("/api/v1/organization/").status_code == 200


def test_schema_lists_only_the_schedulers_endpoints_where_they_are_mounted():
    response = knox_client(worker()).get(f"{PREFIX}/schema?format=json")
    assert response.status_code == 200, response.content[:300]
    paths = set(response.json()["paths"])
    assert f"{PREFIX}/schedulers/{{scheduler_id}}/push" in paths
    assert all(path.startswith(PREFIX + "/") for path in paths), sorted(paths)
