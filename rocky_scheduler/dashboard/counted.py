"""The dashboard's numbers from the maintained task counts (PostgreSQL; rocky_scheduler.count_reads): rows per
scheduler, organisation and status or minute, however many tasks and how much history there is."""

import datetime
from dataclasses import dataclass

from rocky_scheduler.access import OrganisationScope
from rocky_scheduler.count_reads import summed_counts
from rocky_scheduler.models import TaskCountKind, TaskStatus


@dataclass
class StateCounts:
    """Tasks per (scheduler, organisation, status) now: the depth and the backlog per organisation, one read."""

    rows: list[tuple[str, str, str, int]]

    def depth(self) -> dict[tuple[str, str], int]:
        """Tasks per (scheduler, status)."""
        depth: dict[tuple[str, str], int] = {}
        for scheduler_id, _, status, count in self.rows:
            depth[scheduler_id, status] = depth.get((scheduler_id, status), 0) + count
        return depth

    def queued_by_organisation(self) -> dict[str, dict[str, int]]:
        """Queued tasks per organisation, split per scheduler."""
        queued: dict[str, dict[str, int]] = {}
        for scheduler_id, organisation, status, count in self.rows:
            if status == TaskStatus.QUEUED:
                queued.setdefault(organisation, {})[scheduler_id] = count
        return queued


def state_counts(scope: OrganisationScope) -> StateCounts:
    kinds = [TaskCountKind.STATE]
    return StateCounts(summed_counts(kinds, ["scheduler_id", "organisation", "status"], scope=scope))


def throughput_counts(
    start: datetime.datetime, scope: OrganisationScope
) -> list[tuple[str, datetime.datetime, int, int]]:
    """(scheduler, minute, pushes, pops) from `start` on."""
    kinds = [TaskCountKind.CREATED, TaskCountKind.DISPATCHED]
    rows = summed_counts(kinds, ["kind", "scheduler_id", "bucket"], scope=scope, since=start)
    return [
        (scheduler_id, minute, count, 0) if kind == TaskCountKind.CREATED else (scheduler_id, minute, 0, count)
        for kind, scheduler_id, minute, count in rows
    ]
