"""Changes to a scheduler's settings (staff, through the API or the admin)."""

import logging

from django.db import transaction

from rocky_scheduler.models import Scheduler
from rocky_scheduler.services.common import get_scheduler, scheduler_cache

logger = logging.getLogger(__name__)

EDITABLE = ("maxsize", "paused", "ranker", "deduplicate")


@transaction.atomic
def scheduler_update(*, scheduler_id: str, actor: str = "", **changes) -> Scheduler:
    scheduler = get_scheduler(scheduler_id, for_update=True)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(scheduler, name, value)
    scheduler.save()
    # Clearing is always safe (it only costs a re-read): now, and again once others can see the change.
    scheduler_cache.clear()
    transaction.on_commit(scheduler_cache.clear)
    logger.info("scheduler %s changed by %s: %s", scheduler_id, actor or "system", changes)
    return scheduler
