"""A change of maxsize or paused binds every server process from the moment its PATCH has answered.

Three gunicorn worker processes whose settings caches were just filled; then the PATCH, then a burst
of requests on fresh connections, which the kernel spreads over all three processes.
"""

import concurrent.futures

import pytest
from django.contrib.auth.models import User

from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services.tokens import token_issue
from tests.factories import boefje_data
from tests.support.live_server import Client, GunicornServer

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

WORKERS = 3
PAUSED_HEADER = "X-Scheduler-Status"


@pytest.fixture
def live(tmp_path):
    token = token_issue(user=User.objects.create_superuser("ops", "ops@example.com", "pw"))
    server = GunicornServer(workers=WORKERS, log_dir=tmp_path)
    yield server, token
    server.stop()


def burst(port: int, token: str, requests: list[tuple[str, str, object]]) -> list[tuple[int, object, dict]]:
    """Each request on a fresh connection, all at once."""

    def one(request):
        client = Client(port, token)
        try:
            status, body = client.request(*request)
            return status, body, dict(client.last_headers)
        finally:
            client.close()

    with concurrent.futures.ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(one, requests))


def warm_every_process(port: int, token: str) -> None:
    # Every process reads the scheduler (maxsize 0, not paused) into its settings cache.
    answers = burst(port, token, [("GET", "/api/v1/queues/boefje", None)] * (4 * WORKERS))
    assert {status for status, _, _ in answers} == {200}
    answers = burst(port, token, [("POST", "/api/v1/schedulers/boefje/pop", None)] * (4 * WORKERS))
    assert {status for status, _, _ in answers} == {200}


def test_maxsize_set_a_moment_ago_binds_24_concurrent_pushes_in_every_process(live):
    server, token = live
    warm_every_process(server.port, token)
    admin = Client(server.port, token)
    status, _ = admin.request("PATCH", "/api/v1/schedulers/boefje", {"maxsize": 4})
    assert status == 200

    pushes = [
        ("POST", "/api/v1/schedulers/boefje/push", {"organisation": "acme", "priority": 5, "data": boefje_data()})
        for _ in range(24)
    ]
    statuses = sorted(status for status, _, _ in burst(server.port, token, pushes))

    assert statuses == [201] * 4 + [429] * 20
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 4


def test_pause_binds_the_next_pops_everywhere_and_says_so(live):
    server, token = live
    warm_every_process(server.port, token)
    admin = Client(server.port, token)
    status, _ = admin.request("POST", "/api/v1/schedulers/boefje/push", {"organisation": "acme", "data": boefje_data()})
    assert status == 201

    status, _ = admin.request("PATCH", "/api/v1/schedulers/boefje", {"paused": True})
    assert status == 200
    pops = burst(server.port, token, [("POST", "/api/v1/schedulers/boefje/pop", None)] * 12)
    assert [(status, body) for status, body, _ in pops] == [(200, {"results": []})] * 12
    assert all(headers.get(PAUSED_HEADER) == "paused" for _, _, headers in pops)
    assert Task.objects.filter(status=TaskStatus.QUEUED).count() == 1

    status, _ = admin.request("PATCH", "/api/v1/schedulers/boefje", {"paused": False})
    assert status == 200
    pops = burst(server.port, token, [("POST", "/api/v1/schedulers/boefje/pop", None)] * 6)
    assert sorted(len(body["results"]) for _, body, _ in pops) == [0] * 5 + [1]
    # An empty queue that is not paused does not say paused.
    assert not any(PAUSED_HEADER in headers for _, _, headers in pops)
