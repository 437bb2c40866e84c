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
            }
        )
    )


if __name__ == "__main__":
    main()
