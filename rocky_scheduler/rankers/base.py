"""The ranker interface: a strategy that turns a task about to be queued into a priority."""

import abc
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.module_loading import import_string

# Priority 1 is reserved for user-initiated work; rankers answer in this range.
MIN_RANKED_PRIORITY = 2
MAX_RANKED_PRIORITY = 1000


@dataclass(frozen=True)
class RankRequest:
    scheduler_id: str
    task_type: str
    organisation: str
    data: dict[str, Any]
    now: datetime.datetime
    # When work with this hash last finished (None: never ran).
    last_run_at: datetime.datetime | None = None
    # How often the plugin wants to run, when known.
    interval: datetime.timedelta | None = None
    # Scan levels, when the task is a boefje run on an OOI.
    ooi_level: int | None = None
    plugin_scan_level: int | None = None
    # Queued tasks of this organisation on this scheduler; a callable so only rankers that need it pay for it.
    queued_for_organisation: Callable[[], int] = lambda: 0
    extra: dict[str, Any] = field(default_factory=dict)


class Ranker(abc.ABC):
    """Computes the priority of automatic work; lower runs sooner.

    Contract (tests/rankers/test_contract.py): an int in [2, 1000] for any request, the same for
    the same request. Priority 1 is never a ranker's answer: it is given explicitly to user pushes.
    """

    @abc.abstractmethod
    def rank(self, request: RankRequest) -> int: ...


@lru_cache(maxsize=32)
def load_ranker(dotted_path: str) -> Ranker:
    ranker_class = import_string(dotted_path)
    ranker = ranker_class()
    if not isinstance(ranker, Ranker):
        raise TypeError(f"{dotted_path} is not a Ranker")
    return ranker


def clamp(priority: float) -> int:
    return int(min(MAX_RANKED_PRIORITY, max(MIN_RANKED_PRIORITY, round(priority))))
