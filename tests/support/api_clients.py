import pytest
from rest_framework.test import APIClient

from tests.support.api_contract import PREFIX, check_answer
from tests.support.tokens import api_key_for
from tests.support.users import make_superuser, user_in

__all__ = ["PREFIX", "ContractClient", "client_for", "user_in"]


class ContractClient(APIClient):
    """DRF's test client, holding every answer under the API prefix to the models OpenKAT's clients parse it with."""

    def request(self, **request):
        response = super().request(**request)
        if not response.streaming:
            check_answer(
                method=request["REQUEST_METHOD"],
                path=request["PATH_INFO"],
                status=response.status_code,
                body=response.content,
            )
        return response


def client_for(user) -> ContractClient:
    client = ContractClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


@pytest.fixture
def admin_api(db) -> ContractClient:
    return client_for(make_superuser("root"))


@pytest.fixture
def worker_api(db) -> ContractClient:
    return client_for(user_in("scheduler-workers", "boefje-runner"))


@pytest.fixture
def analyst_api(db) -> ContractClient:
    return client_for(user_in("scheduler-analysts", "analyst"))


@pytest.fixture
def readonly_api(db) -> ContractClient:
    return client_for(user_in("scheduler-readonly", "reader"))


@pytest.fixture
def anonymous_api(db) -> ContractClient:
    return ContractClient()
