"""Push, pop and complete on the embedded SQLite default (DATABASE_URL unset). Prints a JSON report."""

import json
import os


def main() -> None:
    assert "DATABASE_URL" not in os.environ, "the smoke test must run on the embedded default"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rocky_scheduler.models import TaskStatus
    from rocky_scheduler.services import task_pop, task_push, task_transition

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    data = {"boefje": {"id": "dns-records"}, "input_ooi": "Hostname|internet|example.com", "organization": "acme"}
    low = task_push(scheduler_id="boefje", organisation="acme", data=data, priority=5)
    urgent = task_push(
        scheduler_id="boefje", organisation="acme", data={**data, "input_ooi": "Hostname|internet|b.com"}, priority=1
    )
    popped = task_pop(scheduler_id="boefje", limit=1)
    done = task_transition(task_id=popped[0].id, status=TaskStatus.COMPLETED)
    second = task_pop(scheduler_id="boefje", limit=5)
    empty = task_pop(scheduler_id="boefje", limit=5)
    groups = _groups_pauses_and_bounds(task_push, task_pop)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "first": str(popped[0].id),
                "urgent": str(urgent.id),
                "low": str(low.id),
                "completed": done.status,
                "second": [str(t.id) for t in second],
                "empty": len(empty),
                "data_id": popped[0].data["id"] == str(popped[0].id),
                **groups,
            }
        )
    )


def _groups_pauses_and_bounds(task_push, task_pop) -> dict:
    """The queue semantics DESIGN.md promises on SQLite too: dedup groups, pause, maxsize."""
    import uuid

    from rocky_scheduler.errors import QueueFull
    from rocky_scheduler.models import Scheduler
    from rocky_scheduler.services.task_pop import task_pop_outcome

    def push(ooi: str, priority: int, key: str | None = None, organisation: str = "acme"):
        data = {"boefje": {"id": "dns-records"}, "input_ooi": ooi, "organization": organisation}
        if key:
            data["deduplication_key"] = key
        return task_push(scheduler_id="boefje", organisation=organisation, data=data, priority=priority)

    key = str(uuid.uuid4())
    keyless = push("Hostname|internet|c.com", 4)
    group = [push("Hostname|internet|d.com", 2, key), push("Hostname|internet|d.com", 9, key, "globex")]
    first = task_pop(scheduler_id="boefje", limit=5)
    second = task_pop(scheduler_id="boefje", limit=5)
    Scheduler.objects.filter(pk="boefje").update(paused=True)
    push("Hostname|internet|e.com", 3)
    paused = task_pop_outcome(scheduler_id="boefje", limit=5)
    Scheduler.objects.filter(pk="boefje").update(paused=False, maxsize=1)
    try:
        push("Hostname|internet|f.com", 3)
        bounded = False
    except QueueFull:
        bounded = True
    return {
        "group_whole": sorted(str(t.id) for t in first) == sorted(str(t.id) for t in group),
        "keyless_after": [str(t.id) for t in second] == [str(keyless.id)],
        "paused": paused.paused and paused.tasks == [],
        "bounded": bounded,
    }


if __name__ == "__main__":
    main()
