"""A server-like process: start, django.setup(), pop a few tasks, report timings and memory as JSON.

Run as `python -m bench.server_probe --pops N` from the repository root; the parent records
time.monotonic() just before spawning it. CLOCK_MONOTONIC is system-wide on Linux, so the
parent's and this process's timestamps are comparable.
"""

import time

STARTED_AT = time.monotonic()  # as early as possible: interpreter start-up ends about here

import argparse  # noqa: E402 - after the timestamp on purpose
import json  # noqa: E402
import os  # noqa: E402


def _peak_rss() -> int:
    """Peak resident set of this process in bytes.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork+exec, so it would report
    the parent's size (the benchmark driver) instead of ours.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pops", type=int, default=20)
    args = parser.parse_args()

    import psutil

    process = psutil.Process()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()
    from django.db import connection

    from rocky_scheduler.queue.heap import heaps
    from rocky_scheduler.services import task_pop

    setup_done_at = time.monotonic()
    rss_after_setup = process.memory_info().rss

    first = task_pop(scheduler_id="boefje", limit=1, worker="probe")
    first_pop_at = time.monotonic()
    rss_after_first_pop = process.memory_info().rss

    # Separately, how much of the first pop was opening the connection (already open now).
    connection.close()
    connect_started = time.monotonic()
    connection.ensure_connection()
    reconnect_seconds = time.monotonic() - connect_started

    popped = len(first)
    pop_seconds = []
    for _ in range(args.pops - 1):
        started = time.monotonic()
        popped += len(task_pop(scheduler_id="boefje", limit=1, worker="probe"))
        pop_seconds.append(time.monotonic() - started)
    stats = heaps.get("boefje").stats
    report = {
        "started_at": STARTED_AT,
        "setup_done_at": setup_done_at,
        "first_pop_at": first_pop_at,
        "first_pop_ok": bool(first),
        "reconnect_seconds": reconnect_seconds,
        "popped": popped,
        "later_pop_seconds_max": max(pop_seconds, default=0.0),
        "rss_after_setup": rss_after_setup,
        "rss_after_first_pop": rss_after_first_pop,
        "rss_after_pops": process.memory_info().rss,
        # The peak catches a load that was freed again before we looked.
        "peak_rss": _peak_rss(),
        "heap_window_size": len(heaps.get("boefje")),
        "heap_refills": stats.refills,
        "heap_rows_loaded": stats.rows_loaded,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
