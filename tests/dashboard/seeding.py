"""Queues built through the real services, so the dashboard reads the same rows and history as in production."""

import datetime
import math
import random

from rocky_scheduler.models import Task
from rocky_scheduler.services.task_pop import task_pop
from rocky_scheduler.services.task_push import task_push
from rocky_scheduler.services.task_transition import task_transition
from tests.factories import boefje_data, normalizer_data


def push_boefje(*, organisation: str = "acme", at: datetime.datetime | None = None, priority: int = 5) -> Task:
    clock = (lambda: at) if at else None
    kwargs = {"clock": clock} if clock else {}
    return task_push(
        scheduler_id="boefje",
        organisation=organisation,
        data=boefje_data(organisation=organisation),
        priority=priority,
        **kwargs,
    )


def seed_queue(*, queued: int = 7, failed: int = 2, organisation: str = "acme") -> list[Task]:
    """`queued` queued boefje tasks and `failed` that a worker popped and reported failed."""
    for _ in range(failed):
        push_boefje(organisation=organisation)
        (popped,) = task_pop(scheduler_id="boefje", worker="runner-1")
        task_transition(task_id=popped.id, status="failed", actor="runner-1", reason="boefje crashed")
    return [push_boefje(organisation=organisation) for _ in range(queued)]


def push_normalizer(*, organisation: str = "acme", at: datetime.datetime | None = None) -> Task:
    kwargs = {"clock": (lambda: at)} if at else {}
    return task_push(
        scheduler_id="normalizer",
        organisation=organisation,
        data=normalizer_data(organisation=organisation),
        priority=3,
        **kwargs,
    )


def _at(moment: datetime.datetime):
    return lambda: moment


def seed_busy_hours(*, now: datetime.datetime, hours: int = 3) -> None:
    """A few hours of a working scheduler: waves of pushes, workers popping behind them, normalizers for
    finished boefjes, some stuck and failed work, and a backlog over several organisations.
    Deterministic (a seeded generator), so pictures of it compare."""
    rng = random.Random(7)
    organisations = ["acme", "globex", "initech", "umbrella", "hooli"]
    start = now - datetime.timedelta(hours=hours)
    last_minute = hours * 60 - 2
    for minute in range(last_minute):
        moment = start + minute * ONE_MINUTE
        wave = 1 + math.sin(minute / 25)
        for _ in range(rng.randint(0, round(2 + 3 * wave))):
            push_boefje(organisation=rng.choice(organisations[: rng.randint(1, len(organisations))]), at=moment)
        popped = task_pop(scheduler_id="boefje", limit=rng.randint(0, 4), clock=_at(moment + ONE_MINUTE / 2))
        for task in popped:
            task_transition(task_id=task.id, status="completed", clock=_at(moment + ONE_MINUTE))
            if rng.random() < 0.5:
                push_normalizer(organisation=task.organisation, at=moment + ONE_MINUTE)
        for task in task_pop(scheduler_id="normalizer", limit=3, clock=_at(moment + 2 * ONE_MINUTE)):
            task_transition(task_id=task.id, status="completed", clock=_at(moment + 2 * ONE_MINUTE))
        if minute == 10:
            # Taken by a worker that then went quiet: its lease ran out long ago.
            (running,) = task_pop(scheduler_id="boefje", worker="boefje-runner-1", clock=_at(moment))
            task_transition(task_id=running.id, status="running", clock=_at(moment + 50 * ONE_MINUTE))
        if minute == last_minute - 40:
            for reason in FAILURE_REASONS:
                (task,) = task_pop(scheduler_id="boefje", worker="boefje-runner-2", clock=_at(moment))
                task_transition(task_id=task.id, status="failed", reason=reason, clock=_at(moment + 5 * ONE_MINUTE))
        if minute == last_minute - 30:
            task_pop(scheduler_id="boefje", limit=2, worker="boefje-runner-3", clock=_at(moment))


ONE_MINUTE = datetime.timedelta(minutes=1)
FAILURE_REASONS = [
    "boefje exited with code 137 (out of memory)",
    "connection to 203.0.113.7:443 timed out",
    "no heartbeat within the run timeout",
]
