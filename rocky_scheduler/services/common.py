"""Small helpers the task services share."""

import datetime
import time
import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import PRIORITY_INVALID, UNKNOWN_SCHEDULER, InvalidInput, NotFound
from rocky_scheduler.models import Scheduler, Task, TaskStatus
from rocky_scheduler.queue.heap import heaps

Clock = Callable[[], datetime.datetime]
default_clock: Clock = timezone.now


def get_scheduler(scheduler_id: str, *, for_update: bool = False) -> Scheduler:
    queryset = Scheduler.objects.select_for_update() if for_update else Scheduler.objects
    try:
        return queryset.get(pk=scheduler_id)
    except Scheduler.DoesNotExist:
        raise NotFound(UNKNOWN_SCHEDULER.format(scheduler_id=scheduler_id), field="scheduler_id") from None


class _SchedulerCache:
    """Scheduler settings per process for up to a second: every push and pop reads them.

    A change made in this process is seen at once (scheduler_configure clears the cache); one made
    elsewhere within SCHEDULER_CACHE_SECONDS, the same bound as the heap cache's.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Scheduler]] = {}

    def get(self, scheduler_id: str) -> Scheduler:
        entry = self._entries.get(scheduler_id)
        now = time.monotonic()
        if entry is not None and now - entry[0] < app_settings.SCHEDULER_CACHE_SECONDS:
            return entry[1]
        scheduler = get_scheduler(scheduler_id)
        self._entries[scheduler_id] = (now, scheduler)
        return scheduler

    def clear(self) -> None:
        self._entries.clear()


scheduler_cache = _SchedulerCache()


def check_priority(priority: object) -> int:
    # bool is an int in Python; a JSON `true` is not a priority.
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
        raise InvalidInput(PRIORITY_INVALID.format(priority=priority), field="priority")
    return priority


def sort_key(task: Task) -> tuple[int, float, uuid.UUID]:
    return (task.priority, task.created_at.timestamp(), task.id)


def publish_queue_state(task: Task) -> None:
    """After commit, tell this process's heap cache that `task` entered, moved in or left the queue."""
    scheduler_id, key, queued = task.scheduler_id, sort_key(task), task.status == TaskStatus.QUEUED

    def _apply() -> None:
        window = heaps.get(scheduler_id)
        if queued:
            window.offer(key)
        else:
            window.discard([key[2]])

    transaction.on_commit(_apply)
