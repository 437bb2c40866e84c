"""All of a scheduler's settings at once (the admin's change form); the API's PATCH uses scheduler_update."""

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.models import Scheduler
from rocky_scheduler.rankers import Ranker
from rocky_scheduler.services.common import get_scheduler
from rocky_scheduler.services.scheduler_settings import EDITABLE, scheduler_update

RANKER_INVALID = _("ranker must be the dotted path of a Ranker class, got {value!r}.")
NOT_CONFIGURABLE = _("not configurable: {names}")

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
def scheduler_configure(*, scheduler_id: str, actor: str, **changes: Any) -> Scheduler:
    """Change any of CONFIGURABLE; maxsize, paused and ranker go through scheduler_update (its
    lock, cache invalidation and log line), the rest are written in the same transaction."""
    unknown = set(changes) - set(CONFIGURABLE)
    if unknown:
        raise InvalidInput(NOT_CONFIGURABLE.format(names=", ".join(sorted(unknown))), field="body")
    if "ranker" in changes:
        check_ranker(changes["ranker"])
    scheduler = get_scheduler(scheduler_id, for_update=True)
    others = {name: value for name, value in changes.items() if name not in EDITABLE}
    if others:
        Scheduler.objects.filter(pk=scheduler.pk).update(**others)
    # Called even with nothing of its own to change: it drops this process's cached scheduler
    # settings, which the other fields need just as much (other processes re-read within a second).
    editable = {name: value for name, value in changes.items() if name in EDITABLE}
    return scheduler_update(scheduler_id=scheduler_id, actor=actor, **editable)
