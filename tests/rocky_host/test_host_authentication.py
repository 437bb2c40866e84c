"""Whose rules the app's views follow inside Rocky: their own, plus the host classes ROCKY_SCHEDULER names.

Rocky's REST_FRAMEWORK says knox tokens and staff only; the scheduler's views choose their own authentication
(the scheduler's tokens, then API_AUTHENTICATION_CLASSES, then the session) and permissions, and so do its
schema and docs pages. The schema describes the scheduler alone, under Rocky's prefix.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from drf_spectacular.settings import spectacular_settings
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from rocky_scheduler import dashboard_urls, urls
from rocky_scheduler.api.authentication import CachedTokenAuthentication
from rocky_scheduler.api.views.schedulers import PopView
from rocky_scheduler.models import Task, TaskStatus
from tests.factories import boefje_data
from tests.support.api_clients import PREFIX
from tests.support.users import actor, make_user

ROCKY_TOKEN_GATE = "tests.rocky_host.middleware.auth_required"
# Everything an APIView would otherwise take from the host's REST_FRAMEWORK defaults.
DRF_POLICIES = (
    "authentication_classes",
    "permission_classes",
    "parser_classes",
    "renderer_classes",
    "throttle_classes",
    "content_negotiation_class",
    "metadata_class",
    "versioning_class",
    "schema",
)


def worker():
    user = make_user("boefje-runner")
    user.groups.add(Group.objects.get(name="scheduler-workers"))
    return user


def knox(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")


def scheduler_settings(**changes) -> dict:
    return {**settings.ROCKY_SCHEDULER, **changes}


@pytest.mark.django_db
def test_a_knox_token_of_a_worker_pushes_and_pops():
    client = knox(worker())
    pushed = client.post(
        f"{PREFIX}/schedulers/boefje/push",
        {"organisation": "acme", "data": boefje_data(organisation="acme")},
        content_type="application/json",
    )
    assert pushed.status_code == 201, pushed.content
    popped = client.post(f"{PREFIX}/schedulers/boefje/pop", content_type="application/json")
    assert popped.status_code == 200, popped.content
    assert [task["id"] for task in popped.json()["results"]] == [pushed.json()["id"]]
    assert Task.objects.get().status == TaskStatus.DISPATCHED
    assert Task.objects.get().events.get(kind="created").actor == actor("boefje-runner")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Token " + "0" * 64, "Token " + "f" * 15, "Token rks_" + "0" * 40, "Token", "Token a b"],
    ids=["knox-length", "short", "scheduler-shaped", "no-key", "two-words"],
)
def test_an_unknown_or_malformed_key_is_a_refusal_with_a_reason_never_a_500(header):
    # Without Rocky's own gate (which answers 403 before any view for a key knox does not know), the scheduler's
    # classes meet the key themselves.
    middleware = [name for name in settings.MIDDLEWARE if name != ROCKY_TOKEN_GATE]
    with override_settings(MIDDLEWARE=middleware):
        response = Client(HTTP_AUTHORIZATION=header).post(
            f"{PREFIX}/schedulers/boefje/pop", content_type="application/json"
        )
    assert response.status_code in (401, 403), response.content
    assert response.json()["detail"]
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_without_knox_in_the_setting_a_knox_token_does_not_pop():
    client = knox(worker())
    with override_settings(ROCKY_SCHEDULER=scheduler_settings(API_AUTHENTICATION_CLASSES=[])):
        response = client.post(f"{PREFIX}/schedulers/boefje/pop", content_type="application/json")
    assert response.status_code in (401, 403)
    assert response.json()["detail"]


def test_the_authentication_classes_are_read_per_request():
    assert [type(a) for a in PopView().get_authenticators()] == [
        CachedTokenAuthentication,
        KnoxTokenAuthentication,
        SessionAuthentication,
    ]
    with override_settings(ROCKY_SCHEDULER=scheduler_settings(API_AUTHENTICATION_CLASSES=[])):
        assert [type(a) for a in PopView().get_authenticators()] == [CachedTokenAuthentication, SessionAuthentication]


def api_views() -> list[type[APIView]]:
    return [pattern.callback.cls for pattern in urls.urlpatterns if hasattr(pattern.callback, "cls")]


def test_every_api_view_including_schema_and_docs_sets_its_own_drf_policies():
    views = api_views()
    names = {pattern.name for pattern in urls.urlpatterns if hasattr(pattern.callback, "cls")}
    assert {"root", "health", "metrics", "schema", "docs", "scheduler-push", "ingest-raw-file-received"} <= names
    for view in views:
        for policy in DRF_POLICIES:
            owner = next(klass for klass in view.__mro__ if policy in vars(klass))
            assert owner is not APIView, f"{view.__name__}.{policy} is the host's REST_FRAMEWORK default"


def test_the_rest_of_the_app_is_no_drf_view():
    # The JSON 404 and the dashboard are plain Django views: no DRF default can reach them.
    not_found = next(pattern for pattern in urls.urlpatterns if pattern.name == "not-found")
    plain = [not_found.callback, *(pattern.callback for pattern in dashboard_urls.urlpatterns)]
    assert not any(hasattr(callback, "cls") and issubclass(callback.cls, APIView) for callback in plain)


@pytest.mark.django_db
def test_the_schema_is_public_describes_only_the_scheduler_under_rockys_prefix_and_leaves_rockys_settings():
    rocky_title = spectacular_settings.TITLE
    # Rocky's default is staff only: anyone may read the scheduler's schema, as /health.
    response = Client().get(f"{PREFIX}/schema?format=json")
    assert response.status_code == 200, response.content[:300]
    schema = response.json()
    assert schema["info"]["title"] == "rocky_scheduler API"
    paths = set(schema["paths"])
    # The root as the host mounted it (Rocky: with the slash), which the include always answers.
    assert {f"{PREFIX}/", f"{PREFIX}/schedulers/{{scheduler_id}}/pop", f"{PREFIX}/health"} <= paths
    assert all(path.startswith(PREFIX + "/") for path in paths), sorted(paths)
    assert not any("organization" in path or "report" in path for path in paths)
    # The scheduler's tokens, Rocky's knox tokens (API_AUTHENTICATION_CLASSES) and the session.
    assert {"tokenAuth", "knoxApiToken", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    pop = schema["paths"][f"{PREFIX}/schedulers/{{scheduler_id}}/pop"]["post"]
    assert {"tokenAuth": []} in pop["security"] and {"knoxApiToken": []} in pop["security"]
    assert spectacular_settings.TITLE == rocky_title != "rocky_scheduler API"


@pytest.mark.django_db
def test_the_docs_page_is_public_under_the_api_prefix_and_points_at_the_schema_there():
    response = Client().get(f"{PREFIX}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-schema-url="{PREFIX}/schema?format=json"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
