"""App settings, read lazily from the `ROCKY_SCHEDULER` dict in Django settings.

Reading on every access (not at import) is what lets tests use
`override_settings(ROCKY_SCHEDULER={...})`.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Heap cache: how many of the best queued candidates a process keeps per scheduler.
    "HEAP_WINDOW": 256,
    # Refill when fewer than this many candidates remain.
    "HEAP_LOW_WATER": 32,
    # A window older than this is re-read, so work pushed by other processes is seen within 1 s.
    "HEAP_MAX_AGE_SECONDS": 0.5,
    # How many candidates one claim statement considers.
    "CLAIM_CANDIDATES": 16,
    # Upper bound on `limit` of one pop.
    "POP_LIMIT_MAX": 100,
    "AMQP_URL": None,
    "API_ALLOW_ANONYMOUS": False,
    "MAX_BODY_BYTES": 1024 * 1024,
    # Where prometheus_client keeps the counters of several server processes (None: one process).
    "PROMETHEUS_MULTIPROC_DIR": None,
    "DEFAULT_RANKER": "rocky_scheduler.rankers.fifo.FifoRanker",
}


class AppSettings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown rocky_scheduler setting {name!r}")
        user = getattr(settings, "ROCKY_SCHEDULER", {}) or {}
        return user.get(name, DEFAULTS[name])


app_settings = AppSettings()
