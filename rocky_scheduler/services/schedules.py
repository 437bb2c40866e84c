"""Schedules: recurring work, created and edited through the API and the admin."""

import datetime
import uuid
from typing import Any

from croniter import croniter
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import EVERY_ORGANISATION, OrganisationScope
from rocky_scheduler.errors import SCHEDULE_NOT_FOUND, Conflict, InvalidInput, NotFound
from rocky_scheduler.models import Schedule, ScheduleEvent
from rocky_scheduler.services.common import Clock, default_clock, get_scheduler
from rocky_scheduler.taskdata import validate_task_data

CRON_INVALID = _("schedule is not a valid cron expression: {value!r}.")
CRON_OR_DEADLINE_REQUIRED = _("A schedule needs a cron expression (schedule) or a deadline_at.")
DUPLICATE_SCHEDULE = _("A schedule with this hash already exists.")


def next_cron_time(expression: str, after: datetime.datetime) -> datetime.datetime:
    return croniter(expression, after).get_next(datetime.datetime)


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
    clock: Clock = default_clock,
) -> Schedule:
    scheduler = get_scheduler(scheduler_id)
    validated = validate_task_data(task_type=scheduler.type, data=data, organisation=organisation)
    cron = check_cron(schedule)
    if cron is None and deadline_at is None:
        raise InvalidInput(CRON_OR_DEADLINE_REQUIRED, field="schedule")
    now = clock()
    if deadline_at is None:
        deadline_at = next_cron_time(cron, now)
    try:
        with transaction.atomic():
            return Schedule.objects.create(
                id=uuid.uuid4(),
                scheduler_id=scheduler.pk,
                organisation=organisation,
                hash=validated.hash,
                data=validated.data,
                enabled=enabled,
                schedule=cron,
                deadline_at=deadline_at,
                created_at=now,
                modified_at=now,
            )
    except IntegrityError:
        raise Conflict(DUPLICATE_SCHEDULE, field="hash") from None


_UNSET = object()


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
    """Change what is given. Switching `enabled` is recorded in the history with `actor` and `reason`;
    switching it on also clears a boefje's de-scheduling (the person decided to run it again)."""
    instance = get_schedule(schedule_id, for_update=True)
    switched = enabled is not _UNSET and bool(enabled) != instance.enabled
    if switched:
        instance.enabled = bool(enabled)
        if instance.enabled:
            instance.descheduled_at, instance.descheduled_by_raw_file = None, ""
    if schedule is not _UNSET:
        instance.schedule = check_cron(schedule)
    if deadline_at is not _UNSET:
        instance.deadline_at = deadline_at
    if data is not _UNSET:
        scheduler = get_scheduler(instance.scheduler_id)
        validated = validate_task_data(task_type=scheduler.type, data=data, organisation=instance.organisation)
        if validated.hash != instance.hash:
            raise InvalidInput("data must keep the schedule's identity (same hash).", field="data")
        instance.data = validated.data
    instance.modified_at = clock()
    instance.save()
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
