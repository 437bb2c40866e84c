"""The status machine as the store applies it: which moves a status change may start from, what it does to
the lease, and why a refused move was refused."""

import uuid
from functools import cache

from rocky_scheduler.errors import ILLEGAL_TRANSITION, POP_ONLY_TRANSITION, TASK_NOT_FOUND, IllegalTransition, NotFound
from rocky_scheduler.models import FINAL_STATUSES, Task, TaskStatus
from rocky_scheduler.state import POP_ONLY, TRANSITIONS

# What a status change does to the lease.
LEASE_RUN = "run"  # starting, or a heartbeat: the lease now runs for the scheduler's run timeout
LEASE_CLEAR = "clear"  # back to the queue or finished: nobody holds the task
LEASE_KEEP = "keep"


@cache
def allowed_from(to_status: str) -> list[str]:
    """The statuses a status change (not a pop) may move to `to_status` from."""
    return [
        from_status
        for from_status, targets in TRANSITIONS.items()
        if to_status in targets and (from_status, to_status) not in POP_ONLY
    ]


def lease_mode(to_status: str) -> str:
    if to_status == TaskStatus.RUNNING:
        return LEASE_RUN
    if to_status == TaskStatus.QUEUED or to_status in FINAL_STATUSES:
        return LEASE_CLEAR
    return LEASE_KEEP


def refusal(task_id: uuid.UUID, to_status: str) -> Exception:
    """Why a move did not happen: the task is missing, or its status forbids it."""
    current = Task.objects.filter(pk=task_id).values_list("status", flat=True).first()
    if current is None:
        return NotFound(TASK_NOT_FOUND.format(task_id=task_id), field="id")
    if (current, to_status) in POP_ONLY:
        return IllegalTransition(POP_ONLY_TRANSITION, field="status")
    return IllegalTransition(ILLEGAL_TRANSITION.format(from_status=current, to_status=to_status), field="status")
