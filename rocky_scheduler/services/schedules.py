"""Schedules: recurring work, created and edited through the API and the admin."""

import datetime
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from croniter import croniter
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope
from rocky_scheduler.catalogue import Catalogue, PluginInfo, get_catalogue
from rocky_scheduler.errors import SCHEDULE_NOT_FOUND, Conflict, InvalidInput, NotFound
from rocky_scheduler.models import Schedule, ScheduleEvent, TaskType
from rocky_scheduler.queue.store.deadlines import REASON_CREATED, REASON_EDITED, deadline_set, next_cron_time
from rocky_scheduler.services.common import Clock, default_clock, get_scheduler
from rocky_scheduler.taskdata import validate_task_data

CRON_INVALID = _("schedule is not a valid cron expression: {value!r}.")
CRON_OR_DEADLINE_REQUIRED = _("A schedule needs a cron expression (schedule) or a deadline_at.")
DUPLICATE_SCHEDULE = _("A schedule with this hash already exists.")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginTiming:
    """What a boefje schedule copies from its plugin. `known` False: the catalogue could not say (nothing is
    overwritten then; NULL means the grace period)."""

    known: bool
    interval: datetime.timedelta | None = None
    cron: str | None = None


def plugin_timing(data: Any, *, plugin: PluginInfo | None = None, catalogue: Catalogue | None = None) -> PluginTiming:
    """The interval and cron of the plugin a boefje schedule's `data` names: `plugin` when the caller holds it,
    else the catalogue's (cached there)."""
    if plugin is not None:
        return PluginTiming(known=True, interval=plugin.interval or None, cron=plugin.cron)
    plugin_id = (data.get("boefje") or {}).get("id") if isinstance(data, dict) else None
    if not plugin_id:
        return PluginTiming(known=False)
    try:
        plugin = (catalogue or get_catalogue()).plugin(plugin_id)
    except Exception:
        # A push must not fail because KATalogus is down: the schedule keeps what it has, or the grace period.
        logger.warning("plugin %s unavailable: its schedule's interval is not refreshed", plugin_id, exc_info=True)
        return PluginTiming(known=False)
    if plugin is None:
        return PluginTiming(known=False)
    return PluginTiming(known=True, interval=plugin.interval or None, cron=plugin.cron)


def check_cron(expression: Any) -> str | None:
    if expression is None or expression == "":
        return None
    if not isinstance(expression, str) or not croniter.is_valid(expression):
        raise InvalidInput(CRON_INVALID.format(value=expression), field="schedule")
    return expression


def get_schedule(
    schedule_id: Any, *, for_update: bool = False, scope: OrganisationScope = EVERY_ORGANISATION
) -> Schedule:
    """The schedule; NotFound too when its organisation is outside `scope`."""
    queryset = scope.filter(Schedule.objects.select_for_update() if for_update else Schedule.objects.all())
    try:
        return queryset.get(pk=schedule_id)
    except (Schedule.DoesNotExist, ValidationError, ValueError):
        raise NotFound(SCHEDULE_NOT_FOUND.format(schedule_id=schedule_id), field="id") from None


@transaction.atomic
def schedule_create(
    *,
    scheduler_id: str,
    organisation: Any,
    data: Any,
    schedule: Any = None,
    deadline_at: datetime.datetime | None = None,
    enabled: bool = True,
    actor: str = "",
    clock: Clock = default_clock,
) -> Schedule:
    scheduler = get_scheduler(scheduler_id)
    validated = validate_task_data(task_type=scheduler.type, data=data, organisation=organisation)
    cron = check_cron(schedule)
    now = clock()
    if deadline_at is None:
        if cron is None:
            raise InvalidInput(CRON_OR_DEADLINE_REQUIRED, field="schedule")
        deadline_at = next_cron_time(cron, now)
    # A boefje schedule carries its plugin's interval (finishing its task needs it); unknown now: the next plugin
    # sync or push fills it in, the grace period until then.
    interval = plugin_timing(validated.data).interval if scheduler.type == TaskType.BOEFJE else None
    try:
        with transaction.atomic():
            created = Schedule.objects.create(
                id=uuid.uuid4(),
                scheduler_id=scheduler.pk,
                organisation=organisation,
                hash=validated.hash,
                data=validated.data,
                enabled=enabled,
                schedule=cron,
                interval=interval,
                created_at=now,
                modified_at=now,
            )
    except IntegrityError:
        raise Conflict(DUPLICATE_SCHEDULE, field="hash") from None
    # The first deadline is a change like any other: in the schedule's history.
    deadline_set(schedule_id=created.pk, deadline_at=deadline_at, now=now, actor=actor, reason=REASON_CREATED)
    created.refresh_from_db(fields=["deadline_at"])
    return created


_UNSET = object()
_NOT_SAVED = {"id", "deadline_at"}


@transaction.atomic
def schedule_update(
    *,
    schedule_id: Any,
    enabled: Any = _UNSET,
    schedule: Any = _UNSET,
    deadline_at: Any = _UNSET,
    data: Any = _UNSET,
    actor: str = "",
    reason: str = "",
    clock: Clock = default_clock,
) -> Schedule:
    """Change what is given. Switching `enabled` and changing `deadline_at` are recorded in the history with
    `actor` and `reason`; switching it on also clears a boefje's de-scheduling (the person decided to run it
    again)."""
    instance = get_schedule(schedule_id, for_update=True)
    switched = enabled is not _UNSET and bool(enabled) != instance.enabled
    if switched:
        instance.enabled = bool(enabled)
        if instance.enabled:
            instance.descheduled_at, instance.descheduled_by_raw_file = None, ""
    if schedule is not _UNSET:
        instance.schedule = check_cron(schedule)
    if data is not _UNSET:
        scheduler = get_scheduler(instance.scheduler_id)
        validated = validate_task_data(task_type=scheduler.type, data=data, organisation=instance.organisation)
        if validated.hash != instance.hash:
            raise InvalidInput("data must keep the schedule's identity (same hash).", field="data")
        instance.data = validated.data
    instance.modified_at = clock()
    # The deadline is not among the fields saved: it changes through deadline_set, which writes its history row.
    instance.save(
        update_fields=[field.name for field in Schedule._meta.concrete_fields if field.name not in _NOT_SAVED]
    )
    if deadline_at is not _UNSET:
        deadline_set(
            schedule_id=instance.pk,
            deadline_at=deadline_at,
            now=instance.modified_at,
            actor=actor,
            reason=reason or REASON_EDITED,
        )
        instance.refresh_from_db(fields=["deadline_at"])
    if switched:
        ScheduleEvent.objects.create(
            schedule=instance,
            at=instance.modified_at,
            kind=ScheduleEvent.Kind.ENABLED if instance.enabled else ScheduleEvent.Kind.DISABLED,
            actor=actor,
            reason=reason,
        )
    return instance


@transaction.atomic
def schedule_delete(*, schedule_id: Any) -> None:
    get_schedule(schedule_id, for_update=True).delete()
