"""The pop claim through the ORM (SQLite): a conditional UPDATE ... WHERE status = 'queued' per candidate.

SQLite serialises writers (the IMMEDIATE transaction), so "the best task, then its group" needs no locks of its
own, and checking each UPDATE's row count still gives the guarantee the PostgreSQL claim gives: no task is
handed out twice.
"""

import uuid

from django.db import transaction
from django.db.models import QuerySet

from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.queue.store.types import QUEUE_ORDER, ClaimRequest, ClaimResult


def paused(scheduler_id: str) -> bool:
    return Scheduler.objects.filter(pk=scheduler_id, paused=True).exists()


def _queued(request: ClaimRequest) -> QuerySet[Task]:
    queryset = Task.objects.filter(scheduler_id=request.scheduler_id, status=TaskStatus.QUEUED)
    if request.filters is not None:
        queryset = queryset.filter(request.filters)
    return queryset.order_by(*QUEUE_ORDER)


def claim(request: ClaimRequest) -> ClaimResult:
    if request.limit < 1 or (request.candidate_ids is not None and not request.candidate_ids):
        return ClaimResult(tasks=[])
    with transaction.atomic():
        if paused(request.scheduler_id):
            return ClaimResult(tasks=[], paused=True)
        queued = _queued(request)
        candidates = queued if request.candidate_ids is None else queued.filter(id__in=list(request.candidate_ids))
        if not request.groups:
            candidates = candidates.filter(deduplication_key__isnull=True)
        best = candidates.values_list("id", "deduplication_key").first()
        if best is None:
            return ClaimResult(tasks=[])
        if best[1] is not None:
            ids = list(queued.filter(deduplication_key=best[1]).values_list("id", flat=True)[: request.limit])
        else:
            rest = candidates.filter(deduplication_key__isnull=True).exclude(id=best[0])
            ids = [best[0], *rest.values_list("id", flat=True)[: request.limit - 1]]
        claimed: list[uuid.UUID] = []
        for task_id in ids:
            won = Task.objects.filter(id=task_id, status=TaskStatus.QUEUED).update(
                status=TaskStatus.DISPATCHED,
                dispatched_at=request.now,
                modified_at=request.now,
                lease_owner=request.owner,
                lease_expires_at=request.lease_expires_at,
            )
            if won:
                claimed.append(task_id)
        TaskEvent.objects.bulk_create(
            TaskEvent(
                task_id=task_id,
                at=request.now,
                kind=TaskEvent.Kind.STATUS,
                from_status=TaskStatus.QUEUED,
                to_status=TaskStatus.DISPATCHED,
                actor=request.owner,
            )
            for task_id in claimed
        )
        return ClaimResult(tasks=list(Task.objects.filter(id__in=claimed).order_by(*QUEUE_ORDER)))
