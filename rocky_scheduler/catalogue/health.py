"""Whether the catalogue's external services answer, for /health and the dashboard.

Each service's own `/health` is asked once (no retries), all services at once, and the whole probe waits
at most HEALTH_TIMEOUT_SECONDS: a hanging KATalogus makes /health say so, not hang. The answer is kept for
HEALTH_CACHE_SECONDS per catalogue, and one probe at a time runs per process, so however often load
balancers and dashboards ask, KATalogus and Octopoes see at most one request each per that period.
"""

import threading
import time
import weakref
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from rocky_scheduler.catalogue.base import Catalogue, CatalogueUnavailable
from rocky_scheduler.catalogue.external import ExternalService
from rocky_scheduler.conf import app_settings

NO_ANSWER = "no answer within {seconds:g} s"
UNHEALTHY_ANSWER = "/health answered {body!r}"
CATALOGUE_BROKEN = "the catalogue could not be loaded: {error}"

_lock = threading.Lock()
_answers: "weakref.WeakKeyDictionary[Catalogue, tuple[float, dict[str, dict[str, Any]]]]" = weakref.WeakKeyDictionary()


def _probe(name: str, base_url: str, timeout: float) -> dict[str, Any]:
    service = ExternalService(name=name, base_url=base_url, timeout=timeout, retries=0, backoff=0)
    try:
        body = service.get_json("/health")
    except CatalogueUnavailable as error:
        return {"healthy": False, "version": None, "detail": error.detail}
    finally:
        service.close()
    healthy = isinstance(body, dict) and body.get("healthy") is True
    version = body.get("version") if isinstance(body, dict) and isinstance(body.get("version"), str) else None
    return {"healthy": healthy, "version": version, "detail": "" if healthy else UNHEALTHY_ANSWER.format(body=body)}


def probe_services(base_urls: Mapping[str, str], *, timeout: float) -> dict[str, dict[str, Any]]:
    """{name: {"healthy", "version", "detail"}} for each service's GET /health, asked at once; whatever has
    not answered `timeout` seconds after the start is unhealthy."""
    if not base_urls:
        return {}
    executor = ThreadPoolExecutor(max_workers=len(base_urls), thread_name_prefix="rocky-scheduler-health")
    futures = {name: executor.submit(_probe, name, url, timeout) for name, url in base_urls.items()}
    done, _ = wait(futures.values(), timeout=timeout)
    # A probe still waiting ends on its own socket timeout; nobody waits for it.
    executor.shutdown(wait=False, cancel_futures=True)
    no_answer = {"healthy": False, "version": None, "detail": NO_ANSWER.format(seconds=timeout)}
    return {name: future.result() if future in done else dict(no_answer) for name, future in futures.items()}


def catalogue_health(catalogue: Catalogue | None = None) -> dict[str, dict[str, Any]]:
    """The catalogue's externals by name, {"healthy", "version", "detail"} each (empty for the embedded one),
    at most HEALTH_CACHE_SECONDS old."""
    if catalogue is None:
        from rocky_scheduler.catalogue import get_catalogue  # the package imports this module's neighbours

        try:
            catalogue = get_catalogue()
        except Exception as error:
            # A misconfigured catalogue (no KATALOGUS_API, say) is a health finding, not a 500 on /health.
            return {"catalogue": {"healthy": False, "version": None, "detail": CATALOGUE_BROKEN.format(error=error)}}
    ttl = app_settings.HEALTH_CACHE_SECONDS
    with _lock:
        cached = _answers.get(catalogue)
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
        # Probed under the lock: callers arriving meanwhile wait (at most HEALTH_TIMEOUT_SECONDS) for this answer.
        answer = catalogue.health(timeout=app_settings.HEALTH_TIMEOUT_SECONDS)
        _answers[catalogue] = (time.monotonic(), answer)
        return answer
