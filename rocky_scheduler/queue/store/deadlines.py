"""A schedule's next deadline: the one rule, and every write of `Schedule.deadline_at` with its history row.

The rule (`next_deadline`): a cron schedule takes its next cron time; any other takes now + its own `interval`
(the plugin's, copied onto the schedule), or now + the grace period when it has none. The ORM store, lease expiry
and the cron follow-up call it; the PostgreSQL store's finishing statement mirrors it in SQL (see
`postgresql.py`), where only a cron schedule needs this module afterwards (`cron_step`).

Every change of a deadline writes a ScheduleEvent of kind DEADLINE (from, to, why) in the same transaction:
finishing work, the rescheduler queueing a schedule, a changed plugin interval, an analyst's edit. A test
(tests/queue/test_deadlines.py) fails when code outside this package writes `deadline_at`.
"""

import datetime
import logging
import uuid
from collections.abc import Iterable

from croniter import croniter
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, When

from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import Schedule, ScheduleEvent, Task, TaskType
from rocky_scheduler.queue.store.schedule_events import EventRow, schedule_events_insert

logger = logging.getLogger(__name__)

# The history's reasons: data, not messages for a reader of this process's language.
REASON_FINISHED = "task {task_id} {status}"
REASON_CRON = "next cron time after task {task_id} {status}"
REASON_INTERVAL = "plugin interval changed from {old} to {new}"
REASON_EDITED = "edited"
REASON_CREATED = "created"
INTERVAL_ACTOR = "system:plugin-interval"


def grace_period() -> datetime.timedelta:
    return datetime.timedelta(seconds=app_settings.GRACE_PERIOD_SECONDS)


def next_cron_time(expression: str, after: datetime.datetime) -> datetime.datetime:
    return croniter(expression, after).get_next(datetime.datetime)


def next_deadline(
    *, interval: datetime.timedelta | None, cron: str | None, now: datetime.datetime
) -> datetime.datetime:
    """The deadline a schedule gets when its task finishes at `now`: cron, else its interval, else the grace
    period. The PostgreSQL finishing statement computes the same in SQL (tests/queue/test_deadlines.py)."""
    if cron:
        return next_cron_time(cron, now)
    return now + (interval or grace_period())


def _event(
    schedule_id: uuid.UUID,
    *,
    old: datetime.datetime | None,
    new: datetime.datetime | None,
    now: datetime.datetime,
    actor: str,
    reason: str,
) -> ScheduleEvent:
    return ScheduleEvent(
        schedule_id=schedule_id,
        at=now,
        kind=ScheduleEvent.Kind.DEADLINE,
        actor=actor,
        reason=reason,
        deadline_from=old,
        deadline_to=new,
    )


def schedule_finished(*, task: Task, now: datetime.datetime, actor: str) -> datetime.datetime | None:
    """Give a finished task's schedule its next deadline (and the history row); in the caller's transaction.

    The ORM store's finishing write and lease expiry on every database; None when the task has no schedule.
    """
    if task.schedule_id is None:
        return None
    schedule = (
        Schedule.objects.select_for_update()
        .filter(pk=task.schedule_id)
        .values_list("deadline_at", "interval", "schedule")
        .first()
    )
    if schedule is None:
        return None
    old, interval, cron = schedule
    try:
        deadline = next_deadline(interval=interval, cron=cron, now=now)
    except (ValueError, KeyError):
        # A cron expression written before the API checked them: the schedule still recurs.
        logger.warning("schedule %s has an invalid cron %r: grace period", task.schedule_id, cron)
        deadline, cron = now + grace_period(), None
    reason = (REASON_CRON if cron else REASON_FINISHED).format(task_id=task.pk, status=task.status)
    Schedule.objects.filter(pk=task.schedule_id).update(deadline_at=deadline, modified_at=now)
    _event(task.schedule_id, old=old, new=deadline, now=now, actor=actor, reason=reason).save()
    return deadline


def cron_step(
    *, task: Task, cron: str, provisional: datetime.datetime, now: datetime.datetime, actor: str
) -> datetime.datetime:
    """After the PostgreSQL finishing statement gave a cron schedule the grace period: its next cron time.

    Its own small transaction (the finishing statement commits on its own): a crash in between leaves the grace
    period, so the schedule still recurs. Nothing is written when the deadline has changed since (an analyst's
    edit wins) or the cron time is the provisional deadline.
    """
    try:
        deadline = next_cron_time(cron, now)
    except (ValueError, KeyError):
        logger.warning("schedule %s has an invalid cron %r: grace period", task.schedule_id, cron)
        return provisional
    if deadline == provisional:
        return deadline
    if task.schedule_id is None:
        # Not so: the cron is the task's schedule's. Its update would match no row and keep the provisional one.
        return provisional
    with transaction.atomic():
        if Schedule.objects.filter(pk=task.schedule_id, deadline_at=provisional).update(
            deadline_at=deadline, modified_at=now
        ):
            reason = REASON_CRON.format(task_id=task.pk, status=task.status)
            _event(task.schedule_id, old=provisional, new=deadline, now=now, actor=actor, reason=reason).save()
            return deadline
    return provisional


def deadlines_clear(
    schedules: Iterable[tuple[uuid.UUID, datetime.datetime | None]], *, now: datetime.datetime, actor: str, reason: str
) -> None:
    """Clear the deadlines of the (schedule id, current deadline) pairs, locked by the caller: their work is queued
    or active, and finishing it sets the next one. One UPDATE and one insert of history rows."""
    pairs = [(pk, old) for pk, old in schedules if old is not None]
    if not pairs:
        return
    Schedule.objects.filter(pk__in=[pk for pk, _ in pairs]).update(deadline_at=None, modified_at=now)
    kind = ScheduleEvent.Kind.DEADLINE.value
    schedule_events_insert([EventRow(pk, now, kind, actor, reason, old, None) for pk, old in pairs])


def deadline_set(
    *,
    schedule_id: uuid.UUID,
    deadline_at: datetime.datetime | None,
    now: datetime.datetime,
    actor: str,
    reason: str = REASON_EDITED,
) -> bool:
    """Set one schedule's deadline by hand (API, admin) with its history row; False when it already was that."""
    with transaction.atomic():
        old = Schedule.objects.select_for_update().values_list("deadline_at", flat=True).get(pk=schedule_id)
        if old == deadline_at:
            return False
        Schedule.objects.filter(pk=schedule_id).update(deadline_at=deadline_at, modified_at=now)
        _event(schedule_id, old=old, new=deadline_at, now=now, actor=actor, reason=reason).save()
    return True


def plugin_interval_refresh(
    *,
    plugin_id: str,
    interval: datetime.timedelta | None,
    now: datetime.datetime,
    organisation: str | None = None,
    hash: str | None = None,  # noqa: A002 - the schedule field
    move_deadlines: bool = True,
) -> int:
    """Copy a plugin's (new) interval onto its boefje schedules whose copy differs; the number changed.

    Set-based: the rows are locked and read (the history needs their old values), then one UPDATE writes them
    all, narrowed to one organisation or one schedule (`hash`) when given. A waiting schedule without cron moves
    its deadline by the difference, keeping its last finish as the starting point (`deadline - old + new`, the
    grace period standing in for no interval), with a DEADLINE history row; a schedule whose task is active (no
    deadline) or that has a cron only takes the interval, which its next finish uses (as does every one without
    `move_deadlines`: the rescheduler, about to clear the deadline).
    """
    interval = interval or None  # a zero interval is none, as the catalogue reads it
    schedules = Schedule.objects.filter(scheduler_id=TaskType.BOEFJE, data__boefje__id=plugin_id)
    if organisation is not None:
        schedules = schedules.filter(organisation=organisation)
    if hash is not None:
        schedules = schedules.filter(hash=hash)
    # IS DISTINCT FROM: NULL on either side counts as a difference.
    schedules = schedules.filter(
        Q(interval__isnull=False) if interval is None else Q(interval__isnull=True) | ~Q(interval=interval)
    )
    with transaction.atomic():
        rows = list(schedules.select_for_update().values_list("pk", "deadline_at", "interval", "schedule"))
        if not rows:
            return 0
        grace, events, shifts = grace_period(), [], {}
        for pk, old_deadline, old_interval, cron in rows:
            shift = (interval or grace) - (old_interval or grace)
            if old_deadline is None or cron or not shift or not move_deadlines:
                continue
            # Keyed by the old interval: a plugin's schedules share one, or NULL beside it (from before 0012).
            shifts[old_interval] = shift
            reason = REASON_INTERVAL.format(old=old_interval, new=interval)
            events.append(
                _event(pk, old=old_deadline, new=old_deadline + shift, now=now, actor=INTERVAL_ACTOR, reason=reason)
            )
        changes: dict = {"interval": interval, "modified_at": now}
        if shifts:
            waiting = Q(deadline_at__isnull=False) & (Q(schedule__isnull=True) | Q(schedule=""))
            moves = [
                When(
                    waiting & (Q(interval__isnull=True) if old is None else Q(interval=old)),
                    then=F("deadline_at") + shift,
                )
                for old, shift in shifts.items()
            ]
            changes["deadline_at"] = Case(*moves, default=F("deadline_at"), output_field=DateTimeField())
        # The same WHERE as the locked read (no id list: SQLite bounds the number of parameters).
        schedules.update(**changes)
        ScheduleEvent.objects.bulk_create(events)
    return len(rows)
