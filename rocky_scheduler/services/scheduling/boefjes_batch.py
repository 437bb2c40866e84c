"""Boefje tasks for many scan-profile mutations at once: the set-based form of boefjes_schedule_for_mutation.

For an event storm (issue 16): the objects are recorded in one statement, each organisation's enabled boefjes
are read once per batch, "ran within its interval / held off?" is one look-up for every (object, boefje) pair,
and the tasks with their schedules and history rows are written by task_push_many. The rules and the outcome
per mutation are boefje_schedule's. The mutations are creates or updates of distinct objects (the caller
keeps two mutations of one object apart, in publish order), for a catalogue that confirms no objects.
"""

from rocky_scheduler.catalogue import Catalogue, OOIInfo, PluginInfo, get_catalogue
from rocky_scheduler.errors import DuplicateTask, QueueFull
from rocky_scheduler.messages import ScanProfileMutation
from rocky_scheduler.models import TaskType
from rocky_scheduler.queue.store import get_store
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.scheduling.boefjes import (
    ACTOR,
    SKIP_ACTIVE,
    SKIP_FULL,
    SKIP_HELD,
    SKIP_LEVEL,
    SKIP_RECENT,
    boefje_hash,
    boefje_task_data,
    ran_recently,
)
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome
from rocky_scheduler.services.scheduling.rescheduling import ACTOR as RESCHEDULER
from rocky_scheduler.services.task_push_many import PushRequest, task_push_many


def boefjes_schedule_for_mutations(
    mutations: list[ScanProfileMutation],
    *,
    catalogue: Catalogue | None = None,
    clock: Clock = default_clock,
    plugins: dict[str, list[PluginInfo]] | None = None,
) -> list[SchedulingOutcome]:
    """One outcome per mutation, as boefjes_schedule_for_mutation would give it; `plugins` caches the enabled
    boefjes per organisation across calls (one batch of messages)."""
    catalogue = catalogue or get_catalogue()
    plugins = {} if plugins is None else plugins
    oois = [
        OOIInfo(
            organisation=mutation.organisation,
            primary_key=mutation.primary_key,
            object_type=mutation.object_type or "",
            scan_level=mutation.scan_level or 0,
        )
        for mutation in mutations
    ]
    catalogue.record_oois(oois)
    outcomes = [SchedulingOutcome() for _ in oois]
    candidates: list[tuple[int, PluginInfo, OOIInfo, str]] = []
    for index, ooi in enumerate(oois):
        if ooi.scan_level < 1:
            continue
        if ooi.organisation not in plugins:
            plugins[ooi.organisation] = catalogue.enabled_plugins(
                organisation=ooi.organisation, plugin_type=TaskType.BOEFJE
            )
        for plugin in plugins[ooi.organisation]:
            if ooi.object_type not in plugin.consumes:
                continue
            if plugin.scan_level > ooi.scan_level:
                reason = SKIP_LEVEL.format(plugin_level=plugin.scan_level, ooi_level=ooi.scan_level)
                outcomes[index].skip(plugin.id, reason)
                continue
            candidates.append((index, plugin, ooi, boefje_hash(plugin.id, ooi)))
    states = get_store().boefje_run_states(
        scheduler_id=TaskType.BOEFJE, hashes=[hash_ for *_, hash_ in candidates], automatic_actor=RESCHEDULER
    )
    now = clock()
    pushes: list[tuple[int, PluginInfo, OOIInfo]] = []
    requests: list[PushRequest] = []
    for index, plugin, ooi, hash_ in candidates:
        last_run_at, held = states[hash_]
        if held:
            outcomes[index].skip(plugin.id, SKIP_HELD, ooi=ooi.primary_key)
        elif ran_recently(plugin=plugin, last_run_at=last_run_at, now=now):
            outcomes[index].skip(plugin.id, SKIP_RECENT, ooi=ooi.primary_key)
        else:
            pushes.append((index, plugin, ooi))
            hints = {
                "interval": plugin.interval,
                "ooi_level": ooi.scan_level,
                "plugin_scan_level": plugin.scan_level,
                "last_run_at": last_run_at,
            }
            data = boefje_task_data(plugin, ooi)
            requests.append(PushRequest(TaskType.BOEFJE, ooi.organisation, data, plugin=plugin, rank_hints=hints))
    for (index, plugin, ooi), result in zip(pushes, task_push_many(requests, actor=ACTOR, clock=clock), strict=True):
        if isinstance(result, DuplicateTask):
            outcomes[index].skip(plugin.id, SKIP_ACTIVE, ooi=ooi.primary_key)
        elif isinstance(result, QueueFull):
            outcomes[index].skip(plugin.id, SKIP_FULL, ooi=ooi.primary_key)
        else:
            outcomes[index].scheduled.append(str(result.id))
    return outcomes
