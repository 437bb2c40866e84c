"""The benchmarks' progress lines (bench/progress.py): a reader of a minutes-long run sees what runs and how far."""

import io
import time

from bench.progress import Progress


def _wait_for_lines(stream: io.StringIO, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    while len(stream.getvalue().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_a_long_step_prints_its_name_and_how_far_it_is_every_interval():
    stream = io.StringIO()
    with Progress("queue bench", interval=0.05, stream=stream) as progress:
        progress.step("push on 100,000", total=5_000)
        progress.done = 1_234
        lines = _wait_for_lines(stream, 2)
    assert len(lines) >= 2
    assert lines[-1].startswith("[queue bench ")
    assert "push on 100,000: 1,234/5,000 (" in lines[-1]


def test_a_step_counted_elsewhere_is_read_through_its_callable():
    stream = io.StringIO()
    with Progress("http bench", interval=0.05, stream=stream) as progress:
        progress.step("drain 5w 16c", count=lambda: 42)
        lines = _wait_for_lines(stream, 1)
    assert "drain 5w 16c: 42 (" in lines[-1]


def test_nothing_is_printed_after_the_run_or_before_the_first_interval():
    stream = io.StringIO()
    with Progress("soak", interval=60, stream=stream) as progress:
        progress.step("soak")
    time.sleep(0.1)
    assert stream.getvalue() == ""
