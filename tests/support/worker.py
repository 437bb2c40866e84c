"""A separate OS process with its own Django, database connection and heap cache.

Tests drive it over stdin/stdout, one JSON object per line, so that "several server
processes" in a test are real processes. Run as `python -m tests.support.worker`.
"""

import json
import os
import sys
import time
import traceback


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()


def _wait_until(start_at: float | None) -> None:
    # A shared wall-clock start lets several processes begin their burst together.
    if start_at:
        time.sleep(max(0.0, start_at - time.time()))


def handle(command: dict) -> dict:
    from rocky_scheduler.errors import DuplicateTask, QueueFull
    from rocky_scheduler.queue.heap import heaps
    from rocky_scheduler.services import task_pop, task_push, task_set_priority

    op = command["op"]
    scheduler_id = command.get("scheduler", "boefje")
    if op == "pop":
        tasks = task_pop(scheduler_id=scheduler_id, limit=command.get("limit", 1), worker=command.get("worker", ""))
        return {"ids": [str(t.id) for t in tasks], "priorities": [t.priority for t in tasks], "at": time.time()}
    if op == "drain":
        import random

        rng = random.Random(command.get("seed", 0))
        _wait_until(command.get("start_at"))
        ids: list[str] = []
        while tasks := task_pop(scheduler_id=scheduler_id, limit=rng.randint(1, command.get("max_limit", 1))):
            ids.extend(str(t.id) for t in tasks)
        return {"ids": ids}
    if op == "drain_pops":
        # Each pop's answer on its own, to check that a deduplication group comes back in one answer.
        _wait_until(command.get("start_at"))
        pops: list[list[str]] = []
        while tasks := task_pop(scheduler_id=scheduler_id, limit=command["limit"]):
            pops.append([str(t.id) for t in tasks])
        return {"pops": pops}
    if op == "push_many":
        _wait_until(command.get("start_at"))
        outcome = {"pushed": [], "full": 0, "duplicate": 0}
        for data in command["datas"]:
            try:
                task = task_push(
                    scheduler_id=scheduler_id, organisation="acme", data=data, priority=command["priority"]
                )
                outcome["pushed"].append(str(task.id))
            except QueueFull:
                outcome["full"] += 1
            except DuplicateTask:
                outcome["duplicate"] += 1
        return outcome
    if op == "set_priority":
        task_set_priority(task_id=command["id"], priority=command["priority"])
        return {"at": time.time()}
    if op == "stats":
        stats = heaps.get(scheduler_id).stats
        return {"refills": stats.refills, "rows_loaded": stats.rows_loaded}
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    _setup()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("op") == "exit":
            break
        try:
            reply = handle(command)
        except Exception as error:  # report to the test instead of dying silently
            reply = {"error": repr(error), "traceback": traceback.format_exc()}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
