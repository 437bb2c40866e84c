"""A rescheduling run in its own OS process, as a django-q2 cluster would run it, for tests to SIGKILL.

Run as `python -m tests.support.reschedule_runner '<json options>'` with DATABASE_URL set. Options:

- `{}`: call `rocky_scheduler.jobs.reschedule_due()`, the job django-q2 runs, exactly as scheduled;
- `{"batch_size": n}`: call `schedule_due_push(batch_size=n)` (several batches on a small set);
- `{"hang_in_batch": n}`: once the n-th batch of the run has queued its tasks (`queue_due`), print `{"hung": n}`
  with n the tasks inserted by the run so far, and block until killed, inside the open batch transaction: its tasks are
  written but not committed and its schedules are still locked, the window a crash of a real cluster can hit;
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
    from rocky_scheduler.queue import store
    from rocky_scheduler.services.scheduling import schedule_due_push

    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    _emit({"ready": True})
    if options.get("start_at"):
        time.sleep(max(0.0, options["start_at"] - time.time()))
    hang_in = options.get("hang_in_batch")
    if hang_in is None and "batch_size" not in options:
        _emit({"result": reschedule_due()})
        return
    if hang_in is not None:
        _hang_in_batch(store, hang_in)
    result = schedule_due_push(batch_size=options.get("batch_size"))
    _emit({"result": dataclasses.asdict(result)})


def _hang_in_batch(store, batch: int) -> None:
    # Each batch inserts its tasks with one call of the store's `queue_due` (the set path: one scheduler in these
    # tests) or, for what it sends one at a time, `insert_many`: count the batches by either.
    calls, inserted = 0, 0

    def hang_after(write):
        def hanging(self, *args, **options):
            nonlocal calls, inserted
            ids = write(self, *args, **options)
            calls += 1
            inserted += len(ids)
            if calls >= batch:
                _emit({"hung": inserted})
                threading.Event().wait()  # until SIGKILL
            return ids

        return hanging

    for store_class in (store.OrmTaskStore, store.PostgresqlTaskStore):
        store_class.queue_due = hang_after(store_class.queue_due)


if __name__ == "__main__":
    main()
