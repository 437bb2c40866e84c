"""Deduplication across organisations: one boefje run for an object that several organisations hold.

With the scheduler flag `deduplicate` on, a boefje task pushed without a deduplication key also queues the
same work for every other organisation that holds the input object (at a scan level the boefje may use) with
the boefje enabled. All of them share one fresh key, so a pop hands them out together and OpenKAT's boefje
runner runs the boefje once and copies the raw files to the others (DESIGN.md "HTTP API").
"""

import dataclasses
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from rocky_scheduler.catalogue import get_catalogue
from rocky_scheduler.errors import DuplicateTask, InvalidInput, NotFound, QueueFull
from rocky_scheduler.models import Scheduler, Task, TaskType
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.taskdata import ValidatedData

if TYPE_CHECKING:
    from rocky_scheduler.catalogue import Catalogue

logger = logging.getLogger(__name__)


def sibling_organisations(
    *, scheduler: Scheduler, validated: ValidatedData, organisation: str, catalogue: "Catalogue | None" = None
) -> list[str]:
    """The other organisations that should get this push's work too; [] unless the scheduler deduplicates.

    A push that already carries a key is itself one of a group (or a re-push of one): it gets no siblings.
    """
    if not scheduler.deduplicate or scheduler.type != TaskType.BOEFJE or validated.deduplication_key is not None:
        return []
    input_ooi = validated.data.get("input_ooi")
    boefje_id = validated.data["boefje"]["id"]
    if not input_ooi:
        return []
    catalogue = catalogue or get_catalogue()
    plugin = catalogue.plugin(boefje_id)
    if plugin is None:
        return []
    holders = catalogue.organisations_holding(primary_key=input_ooi, plugin_id=boefje_id, min_level=plugin.scan_level)
    return sorted(code for code in holders if code != organisation)


def with_fresh_deduplication_key(validated: ValidatedData) -> ValidatedData:
    key = uuid.uuid4()
    data = {**validated.data, "deduplication_key": str(key)}
    return dataclasses.replace(validated, data=data, deduplication_key=key)


def push_siblings(
    *, task: Task, organisations: list[str], actor: str, push: Callable[..., Task], clock: Clock = default_clock
) -> list[Task]:
    """Queue `task`'s work for each organisation under the same key and priority; skip those that cannot take it.

    An organisation whose own task for this work is already queued or running (409), whose queue is full (429)
    or whose data no longer validates keeps what it has: the runner still runs the boefje for the others.
    `push` is task_push, handed in by it (this module is one of its parts, so it does not import it).
    """
    queued = []
    for organisation in organisations:
        data = {**task.data, "id": None, "organization": organisation}
        try:
            queued.append(
                push(
                    scheduler_id=task.scheduler_id,
                    organisation=organisation,
                    data=data,
                    priority=task.priority,
                    actor=actor,
                    clock=clock,
                )
            )
        except (DuplicateTask, QueueFull, InvalidInput, NotFound) as error:
            logger.info("no sibling of task %s for %s: %s", task.pk, organisation, error)
    return queued
