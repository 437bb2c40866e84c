"""An AmqpConsumer in its own OS process that stops dead between a commit and its ack.

After committing a message's tasks it prints `{"committed": <queue>}` and hangs, so a test can
SIGKILL it in exactly the window where the broker still holds the message unacked.
Run as `python -m tests.ingest.consumer_process '<json options>'` with DATABASE_URL set.
"""

import json
import os
import sys
import threading


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()
    from rocky_scheduler.ingest.consumer import AmqpConsumer

    options = json.loads(sys.argv[1])

    def hang_after_commit(queue: str, body: bytes) -> None:
        print(json.dumps({"committed": queue}), flush=True)
        threading.Event().wait()  # until SIGKILL

    AmqpConsumer(options.pop("url"), after_commit_before_ack=hang_after_commit, **options).run()


if __name__ == "__main__":
    main()
