import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.fixture
def staff_client(db) -> Client:
    user = User.objects.create_user("operator", password="pw-operator", is_staff=True)
    client = Client()
    client.force_login(user)
    return client
