import pytest
from django.test import Client

from tests.support.openkat_fixtures import katalogus, octopoes, openkat_setting  # noqa: F401 - fixtures
from tests.support.users import make_user


@pytest.fixture
def staff_client(db) -> Client:
    user = make_user("operator", is_staff=True)
    client = Client()
    client.force_login(user)
    return client
