"""With the OpenKAT catalogue chosen, the embedded catalogue's tables are not what the scheduler reads: the
admin neither lists them nor serves their pages (Rocky's own organisations are the real ones)."""

import pytest
from django.urls import reverse

from tests.admin.conftest import changelist
from tests.support.users import make_superuser

pytestmark = pytest.mark.django_db

CATALOGUE_TABLES = ("organisation", "plugin", "pluginenablement", "ooi")


def app_index(client) -> str:
    response = client.get(reverse("admin:app_list", kwargs={"app_label": "rocky_scheduler"}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_openkat_catalogue_hides_and_refuses_the_embedded_tables(openkat_setting, client):
    client.force_login(make_superuser("operator"))
    index = app_index(client)
    for table in CATALOGUE_TABLES:
        assert changelist(table) not in index
        assert client.get(changelist(table)).status_code == 403
    assert changelist("task") in index
    assert client.get(changelist("task")).status_code == 200


def test_the_embedded_catalogue_offers_its_tables(client):
    client.force_login(make_superuser("operator"))
    index = app_index(client)
    for table in CATALOGUE_TABLES:
        assert changelist(table) in index
        assert client.get(changelist(table)).status_code == 200
