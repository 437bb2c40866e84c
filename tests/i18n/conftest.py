import pytest
from django.test import Client

from tests.support.users import make_user


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(make_user("operator", is_staff=True))
    return client
