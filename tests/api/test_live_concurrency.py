"""Two gunicorn worker processes, 16 concurrent HTTP poppers, 5,000 tasks: each returned exactly once."""

import collections
import threading

import pytest
from django.contrib.auth.models import User

from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services.tokens import token_issue
from tests.factories import bulk_backlog
from tests.support.live_server import Client, GunicornServer

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_sixteen_http_poppers_on_two_server_processes_get_each_task_once(tmp_path):
    backlog = {str(task.id) for task in bulk_backlog(5_000)}
    token = token_issue(user=User.objects.create_superuser("runner", "r@example.com", "pw"))
    server = GunicornServer(workers=2, log_dir=tmp_path)
    popped: list[list[str]] = [[] for _ in range(16)]
    errors: list[str] = []

    def popper(index: int) -> None:
        client = Client(server.port, token)
        try:
            while True:
                status, body = client.request("POST", "/api/v1/schedulers/boefje/pop?limit=2")
                if status != 200:
                    errors.append(f"{status} {body}")
                    return
                if not body["results"]:
                    return
                popped[index].extend(task["id"] for task in body["results"])
        finally:
            client.close()

    try:
        threads = [threading.Thread(target=popper, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
    finally:
        server.stop()

    assert errors == []
    counts = collections.Counter(task_id for ids in popped for task_id in ids)
    assert [task_id for task_id, n in counts.items() if n > 1] == []
    assert set(counts) == backlog
    assert Task.objects.filter(status=TaskStatus.DISPATCHED).count() == 5_000
