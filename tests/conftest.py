import pytest

from rocky_scheduler.caches import clear_process_caches
from tests.support.api_clients import admin_api, analyst_api, anonymous_api, readonly_api, worker_api  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_heap_cache():
    # Each test starts with empty process-local caches, as a freshly started server would.
    clear_process_caches()
    yield
    clear_process_caches()
