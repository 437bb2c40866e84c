import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PREFIX = "/api/v1"


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def user_in(group: str | None, username: str, **flags) -> User:
    user = User.objects.create_user(username=username, password="x-" + username, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def admin_api(db) -> APIClient:
    return client_for(User.objects.create_superuser("root", "root@example.com", "pw-root"))


@pytest.fixture
def worker_api(db) -> APIClient:
    return client_for(user_in("scheduler-workers", "boefje-runner"))


@pytest.fixture
def analyst_api(db) -> APIClient:
    return client_for(user_in("scheduler-analysts", "analyst"))


@pytest.fixture
def readonly_api(db) -> APIClient:
    return client_for(user_in("scheduler-readonly", "reader"))


@pytest.fixture
def anonymous_api(db) -> APIClient:
    return APIClient()
