"""The process-local heap cache: a bounded window of the best queued candidates per scheduler.

It holds ids and sort keys only, never payloads, and is only a hint: every pop claims in the
database, which has the last word. The window is re-read from PostgreSQL when it runs low or
grows older than HEAP_MAX_AGE_SECONDS, so pushes and re-prioritisations made by other server
processes are seen within a second; those made in this process are offered to it directly.
"""

import bisect
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rocky_scheduler.conf import app_settings

# (priority, created_at as a POSIX timestamp, id): the same order as the database's queue index.
SortKey = tuple[int, float, uuid.UUID]


@dataclass
class HeapStats:
    refills: int = 0
    rows_loaded: int = 0
    offers: int = 0
    discarded: int = 0


class HeapWindow:
    """Best-first candidates of one scheduler's queue, with lazy deletion.

    The keys are kept in one sorted list (a window is a few hundred entries, so an insert's memmove is
    cheap) so that a pop reads its few candidates off the front instead of scanning the whole window.
    """

    def __init__(self, *, window: int, low_water: int, max_age: float, monotonic: Callable[[], float]) -> None:
        self.window = window
        self.low_water = low_water
        self.max_age = max_age
        self._monotonic = monotonic
        # Ascending; may still hold keys discarded or superseded since (they are skipped and dropped).
        self._sorted: list[SortKey] = []
        self._keys: dict[uuid.UUID, SortKey] = {}
        self._loaded_at: float | None = None
        # True when the last refill read fewer rows than the window: the whole queue is here.
        self._complete = False
        self._lock = threading.Lock()
        self.stats = HeapStats()

    def __len__(self) -> int:
        return len(self._keys)

    def needs_refill(self) -> bool:
        with self._lock:
            if self._loaded_at is None or self._monotonic() - self._loaded_at >= self.max_age:
                return True
            return not self._complete and len(self._keys) < self.low_water

    def replace(self, rows: Iterable[SortKey]) -> None:
        """Install a fresh window read from the database (best first, at most `window` rows)."""
        keys = {row[2]: row for row in rows}
        with self._lock:
            self._keys = keys
            self._sorted = sorted(keys.values())
            self._loaded_at = self._monotonic()
            self._complete = len(keys) < self.window
            self.stats.refills += 1
            self.stats.rows_loaded += len(keys)

    def offer(self, key: SortKey) -> None:
        """A task queued or re-prioritised in this process: visible to the next pop here at once."""
        with self._lock:
            self._keys[key[2]] = key
            bisect.insort(self._sorted, key)
            self.stats.offers += 1
            if len(self._sorted) > 2 * self.window:
                self._trim()

    def discard(self, ids: Iterable[uuid.UUID]) -> None:
        with self._lock:
            for task_id in ids:
                if self._keys.pop(task_id, None) is not None:
                    self.stats.discarded += 1

    def candidates(self, count: int) -> list[uuid.UUID]:
        """The best `count` live ids, best first, without removing them."""
        with self._lock:
            keys, ordered = self._keys, self._sorted
            best: list[uuid.UUID] = []
            stale_prefix = 0
            for key in ordered:
                if keys.get(key[2]) != key:
                    # Discarded or superseded. Popped candidates leave from the front: drop the stale run there.
                    if not best:
                        stale_prefix += 1
                    continue
                best.append(key[2])
                if len(best) == count:
                    break
            del ordered[:stale_prefix]
            if len(ordered) > 2 * max(len(keys), self.window):
                self._sorted = sorted(keys.values())
            return best

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def _trim(self) -> None:
        best = sorted(self._keys.values())[: self.window]
        self._keys = {key[2]: key for key in best}
        self._sorted = best
        self._complete = False


class HeapRegistry:
    """One window per scheduler id in this process."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._windows: dict[str, HeapWindow] = {}
        self._lock = threading.Lock()

    def get(self, scheduler_id: str) -> HeapWindow:
        with self._lock:
            window = self._windows.get(scheduler_id)
            if window is None:
                window = HeapWindow(
                    window=app_settings.HEAP_WINDOW,
                    low_water=app_settings.HEAP_LOW_WATER,
                    max_age=app_settings.HEAP_MAX_AGE_SECONDS,
                    monotonic=self._monotonic,
                )
                self._windows[scheduler_id] = window
            return window

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


heaps = HeapRegistry()
