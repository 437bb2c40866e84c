"""The API's root and its 404 follow the host's mount point (Rocky's shape: /scheduler/api/v1)."""

import pytest
from rest_framework.test import APIClient

from rocky_scheduler.api.views.root import API_PATH_NOT_FOUND

API = "/scheduler/api/v1"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reuse_project.urls")]


@pytest.mark.parametrize("path", [API, f"{API}/"])
def test_the_root_links_under_the_hosts_prefix(path):
    response = APIClient().get(path)
    assert response.status_code == 200
    links = response.json()["links"]
    assert links["health"] == f"http://testserver{API}/health"
    assert links["schema"] == f"http://testserver{API}/schema"
    assert APIClient().get(links["health"]).status_code == 200


def test_an_unknown_path_under_the_hosts_prefix_is_a_json_404_and_the_host_keeps_its_own_pages():
    response = APIClient().delete(f"{API}/no/such/thing")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": API_PATH_NOT_FOUND.format(path=f"{API}/no/such/thing")},
    )
    assert APIClient().get("/").content == b"rocky"
