"""Changes to a scheduler's settings, by staff through the API (EDITABLE) or the admin (all of CONFIGURABLE)."""

import logging
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.models import Scheduler
from rocky_scheduler.rankers import Ranker
from rocky_scheduler.services.common import get_scheduler, scheduler_cache

logger = logging.getLogger(__name__)

RANKER_INVALID = _("ranker must be the dotted path of a Ranker class, got {value!r}.")
NOT_CONFIGURABLE = _("not configurable: {names}")

# What the API's PATCH may change; the admin's change form may change all of CONFIGURABLE.
EDITABLE = ("maxsize", "paused", "ranker", "deduplicate")
CONFIGURABLE = (
    *EDITABLE,
    "allow_replace",
    "allow_updates",
    "allow_priority_updates",
    "dispatch_timeout_seconds",
    "run_timeout_seconds",
    "requeue_on_run_timeout",
    "max_attempts",
)


def check_ranker(value: Any) -> str:
    """The dotted path of a Ranker subclass; a wrong one would make every ranked push fail."""
    try:
        ranker_class = import_string(value) if isinstance(value, str) and value else None
    except (ImportError, ValueError, TypeError):
        # A relative path (".x", "..x") fails in importlib with ValueError or TypeError, not ImportError.
        ranker_class = None
    if not (isinstance(ranker_class, type) and issubclass(ranker_class, Ranker)):
        raise InvalidInput(RANKER_INVALID.format(value=value), field="ranker")
    return value


@transaction.atomic
def scheduler_configure(*, scheduler_id: str, actor: str = "", **changes: Any) -> Scheduler:
    """Change any of CONFIGURABLE under the scheduler's row lock, and drop the cached settings."""
    unknown = set(changes) - set(CONFIGURABLE)
    if unknown:
        raise InvalidInput(NOT_CONFIGURABLE.format(names=", ".join(sorted(unknown))), field="body")
    if "ranker" in changes:
        check_ranker(changes["ranker"])
    scheduler = get_scheduler(scheduler_id, for_update=True)
    for name, value in changes.items():
        setattr(scheduler, name, value)
    scheduler.save()
    # Clearing is always safe (it only costs a re-read): now, and again once others can see the change
    # (other processes re-read within a second).
    scheduler_cache.clear()
    transaction.on_commit(scheduler_cache.clear)
    logger.info("scheduler %s changed by %s: %s", scheduler_id, actor or "system", changes)
    return scheduler
