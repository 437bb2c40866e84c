"""The task status machine: the one map of allowed moves, checked by services.task_transition."""

from rocky_scheduler.models import TaskStatus

S = TaskStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.QUEUED, S.CANCELLED}),
    # queued -> dispatched happens only in a pop (see POP_ONLY); everything else leaves via cancel.
    S.QUEUED: frozenset({S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.RUNNING, S.COMPLETED, S.FAILED, S.QUEUED, S.CANCELLED}),
    # running -> running is the heartbeat that renews the lease.
    S.RUNNING: frozenset({S.RUNNING, S.COMPLETED, S.FAILED, S.QUEUED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

POP_ONLY: frozenset[tuple[str, str]] = frozenset({(S.QUEUED, S.DISPATCHED)})
