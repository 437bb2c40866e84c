"""Progress lines for the benchmarks: at least one line every 10 s for as long as a benchmark runs.

A benchmark runs for minutes; without a line now and then a reader cannot tell a slow phase from a hung
one. One daemon thread per run prints the current step, so steps that block in a single call (a
1,000,000-row INSERT, waiting for child processes) report too. It wakes once per interval and only
prints: it does not change what the benchmarks measure.

    with Progress("queue bench") as progress:
        progress.step("push on 100,000", total=5_000)
        for ...:
            progress.done += 1
        progress.step("drain core 2p", total=5_000, count=lambda: shared_counter.value)

prints lines like (on stderr) `[queue bench 130 s] push on 100,000: 2,345/5,000 (12 s)`.
"""

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

INTERVAL_SECONDS = 10.0


class Progress:
    """A run's progress printer; `step()` names what runs now, `done` (or `count`) says how far it is."""

    def __init__(self, name: str, *, interval: float = INTERVAL_SECONDS, stream: TextIO | None = None) -> None:
        self.name = name
        self.done = 0
        self._interval = interval
        self._stream = stream
        self._phase = "starting"
        self._total: int | None = None
        self._count: Callable[[], int] | None = None
        self._run_started = self._step_started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self, phase: str, *, total: int | None = None, count: Callable[[], int] | None = None) -> None:
        """From now on the lines report `phase`; `count`, when given, is read instead of `done`."""
        self._phase, self._total, self._count, self.done = phase, total, count, 0
        self._step_started = time.monotonic()

    def line(self) -> str:
        now = time.monotonic()
        done = self._count() if self._count is not None else self.done
        if self._total:
            amount = f": {done:,}/{self._total:,}"
        elif done:
            amount = f": {done:,}"
        else:
            amount = ""
        return f"[{self.name} {now - self._run_started:.0f} s] {self._phase}{amount} ({now - self._step_started:.0f} s)"

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            # stderr: stdout stays the report (some benchmarks print JSON there). Looked up at print time, so
            # a redirected sys.stderr (capture in tests) is honoured.
            print(self.line(), file=self._stream or sys.stderr, flush=True)

    def __enter__(self) -> "Progress":
        self._run_started = self._step_started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"progress of {self.name}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
