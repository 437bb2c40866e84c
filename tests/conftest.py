import pytest

from rocky_scheduler.queue.heap import heaps
from tests.support.api_clients import admin_api, analyst_api, anonymous_api, readonly_api, worker_api  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_heap_cache():
    # Each test starts with an empty process-local cache, as a freshly started server would.
    heaps.clear()
    yield
    heaps.clear()
