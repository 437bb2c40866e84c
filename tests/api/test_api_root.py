"""The API prefix: a public page of links to the API's parts, and a JSON 404 for every other path."""

import pytest
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from rocky_scheduler.api.views.root import API_PATH_NOT_FOUND, ApiRootView
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

PARTS = ("schema", "docs", "health", "metrics", "schedulers", "queues", "tasks", "schedules")
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def host_routes_the_prefix_without_slash() -> bool:
    """The include answers the prefix with its slash; without it only if the host routed that too (the
    standalone project does; a host with the one include answers with Django's APPEND_SLASH redirect)."""
    try:
        return getattr(resolve(PREFIX).func, "view_class", None) is ApiRootView
    except Resolver404:
        return False


ROOTS = [f"{PREFIX}/", *([PREFIX] if host_routes_the_prefix_without_slash() else [])]


@pytest.mark.parametrize("path", ROOTS)
def test_the_prefix_links_to_every_part_and_each_link_answers(anonymous_api, admin_api, path):
    response = anonymous_api.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "scheduler"
    assert set(body["links"]) == set(PARTS)
    assert body["links"]["tasks"] == f"http://testserver{PREFIX}/tasks"
    for link in body["links"].values():
        assert admin_api.get(link).status_code == 200, link


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", ["/nope", "/nope/", "/tasks/1/extra", "/schedulers/boefje/push/more"])
def test_every_unknown_path_under_the_prefix_is_a_json_404_for_any_method(anonymous_api, method, path):
    response = getattr(anonymous_api, method)(f"{PREFIX}{path}", {"x": 1}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    if method != "head":
        assert response.json() == {"detail": API_PATH_NOT_FOUND.format(path=f"{PREFIX}{path}")}


def test_a_cross_site_form_post_to_an_unknown_path_is_a_404_too():
    response = APIClient().generic(
        "POST",
        f"{PREFIX}/nope",
        "a=1",
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN="https://x.example",
    )
    assert (response.status_code, response.json()["detail"]) == (404, API_PATH_NOT_FOUND.format(path=f"{PREFIX}/nope"))
