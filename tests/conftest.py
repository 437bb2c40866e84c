import pytest

from rocky_scheduler.queue.heap import heaps


@pytest.fixture(autouse=True)
def _fresh_heap_cache():
    # Each test starts with an empty process-local cache, as a freshly started server would.
    heaps.clear()
    yield
    heaps.clear()
