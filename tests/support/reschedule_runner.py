"""A rescheduling run in its own OS process, as a django-q2 cluster would run it, for tests to SIGKILL.

Run as `python -m tests.support.reschedule_runner '<json options>'` with DATABASE_URL set. Options:

- `{}`: call `rocky_scheduler.jobs.reschedule_due()`, the job django-q2 runs, exactly as scheduled;
- `{"batch_size": n}`: call `schedule_due_push(batch_size=n)` (several batches on a small set);
- `{"hang_after_pushes": n}`: after the n-th push of the run, print `{"hung": n}` and block until
  killed, inside the open batch transaction: its pushed tasks are written but not committed and its
  schedules are still locked, the window a crash of a real cluster can hit;
- `{"start_at": t}`: wait until wall-clock time t first, so several runners start together.

Prints `{"ready": true}` once Django is set up and `{"result": {...}}` when the run returned.
"""

import dataclasses
import json
import os
import sys
import threading
import time


def _emit(message: dict) -> None:
    print(json.dumps(message), flush=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()
    from rocky_scheduler.jobs import reschedule_due
    from rocky_scheduler.services.common import default_clock
    from rocky_scheduler.services.scheduling import schedule_due_push

    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    _emit({"ready": True})
    if options.get("start_at"):
        time.sleep(max(0.0, options["start_at"] - time.time()))
    hang_after = options.get("hang_after_pushes")
    if hang_after is None and "batch_size" not in options:
        _emit({"result": reschedule_due()})
        return

    calls = 0

    def clock():
        # schedule_due_push reads the clock once to fix "now", then once at the start of each push.
        nonlocal calls
        calls += 1
        pushes_done = calls - 2
        if hang_after is not None and pushes_done >= hang_after:
            _emit({"hung": pushes_done})
            threading.Event().wait()  # until SIGKILL
        return default_clock()

    result = schedule_due_push(clock=clock, batch_size=options.get("batch_size"))
    _emit({"result": dataclasses.asdict(result)})


if __name__ == "__main__":
    main()
