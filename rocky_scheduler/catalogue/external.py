"""JSON over HTTP to one external service (KATalogus, Octopoes), with the standard library only.

A kept-alive connection per thread (http.client connections are not thread-safe), a timeout on
every attempt, retries with exponential backoff on connection errors, timeouts and 5xx, and one
exception type, CatalogueUnavailable, when the service does not answer. 404 is an answer (None).
"""

import http.client
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from rocky_scheduler.catalogue.base import CatalogueUnavailable

logger = logging.getLogger(__name__)

LOG_RETRY = "%s: %s on %s (attempt %d of %d), retrying in %.2f s"
MAX_BACKOFF_SECONDS = 30.0
USER_AGENT = "rocky-scheduler"


class ExternalService:
    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        timeout: float,
        retries: int,
        backoff: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{name}: {base_url!r} is not an http(s) URL")
        self.name = name
        self.base_url = base_url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._local = threading.local()

    def get_json(self, path: str, params: Mapping[str, Any] | None = None, *, retries: int | None = None) -> Any | None:
        """The decoded body of GET `path`; None on 404. Raises CatalogueUnavailable."""
        target = self._prefix + path
        if params:
            target += "?" + urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
        retries = self.retries if retries is None else retries
        attempts = retries + 1
        attempt = 0
        while True:
            attempt += 1
            reused = getattr(self._local, "connection", None) is not None
            try:
                status, body = self._request(target)
            except (OSError, http.client.HTTPException) as error:
                # Timeouts, refused and reset connections; the connection is dropped, never reused broken.
                self._drop()
                if reused and isinstance(error, ConnectionResetError | BrokenPipeError):
                    # The server closed an idle kept-alive connection: not an outage, ask again at once.
                    attempt -= 1
                    continue
                problem = f"{type(error).__name__}: {error}"
            else:
                if status == http.client.NOT_FOUND:
                    return None
                if status < 300:
                    try:
                        return json.loads(body)
                    except ValueError as error:
                        raise CatalogueUnavailable(self.name, f"GET {path}: body is not JSON ({error})") from None
                if status < 500:
                    # A request this adapter got wrong or a refusal: asking again gives the same answer.
                    raise CatalogueUnavailable(self.name, f"GET {path}: HTTP {status} {body[:200]!r}")
                problem = f"HTTP {status}"
            if attempt >= attempts:
                raise CatalogueUnavailable(self.name, f"GET {path}: {problem} after {attempts} attempt(s)")
            delay = min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            logger.warning(LOG_RETRY, self.name, problem, path, attempt, attempts, delay)
            self._sleep(delay)

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        self._drop()

    def _request(self, target: str) -> tuple[int, bytes]:
        connection = self._connection()
        connection.request("GET", target, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        body = response.read()
        if response.will_close:
            self._drop()
        return response.status, body

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            factory = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = factory(self._host, self._port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()


MISSING = object()


class TTLCache:
    """A bounded mapping whose entries expire: least recently used dropped first, thread-safe.

    The lifetime is given on each read so a changed setting applies at once. `hits` and `misses`
    count the reads, for the hit rate in benchmarks and metrics.
    """

    def __init__(self, *, maxsize: int) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, *, ttl: float, default: Any = MISSING) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry[0] >= ttl:
                del self._entries[key]
                entry = None
            if entry is None:
                self.misses += 1
                return default
            self.hits += 1
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def swap(self, key: Hashable, value: Any) -> Any:
        """Store `value`; returns what `key` held before (MISSING: nothing)."""
        with self._lock:
            previous = self._entries.pop(key, None)
            self._entries[key] = (time.monotonic(), value)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return MISSING if previous is None else previous[1]

    def pop(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def values(self, *, ttl: float) -> list[Any]:
        now = time.monotonic()
        with self._lock:
            return [value for stamp, value in self._entries.values() if now - stamp < ttl]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
