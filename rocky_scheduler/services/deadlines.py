"""A schedule's next deadline: cron if it has one, else its plugin's interval, else the grace period.

Finishing a task sets it (through the task store's finishing write, which knows the plugins' intervals), and
lease expiry sets it for the tasks it fails. No task service is imported here, so the services that finish tasks
can use it without an import cycle.
"""

import datetime
import json
import logging

from rocky_scheduler.catalogue import Catalogue, get_catalogue
from rocky_scheduler.conf import app_settings
from rocky_scheduler.models import Schedule, Task
from rocky_scheduler.services.schedules import next_cron_time

logger = logging.getLogger(__name__)


def next_deadline(*, data: dict, cron: str | None, now: datetime.datetime, catalogue: Catalogue) -> datetime.datetime:
    """Cron if the schedule has one, else the plugin's interval, else the grace period."""
    if cron:
        return next_cron_time(cron, now)
    plugin_id = (data.get("boefje") or {}).get("id") if isinstance(data, dict) else None
    plugin = catalogue.plugin(plugin_id) if plugin_id else None
    if plugin is not None and plugin.interval:
        return now + plugin.interval
    return provisional_deadline(now)


def provisional_deadline(now: datetime.datetime) -> datetime.datetime:
    """The deadline a schedule gets when its task finishes, before the plugin's interval or cron is known."""
    return now + datetime.timedelta(seconds=app_settings.GRACE_PERIOD_SECONDS)


class _IntervalsJson:
    """The catalogue's plugin intervals as the JSON parameter of the finishing statement (seconds by plugin id).

    Encoded again only when the catalogue hands out a new mapping (its cache refreshed), not per task.
    """

    def __init__(self) -> None:
        self._source: object = None
        self._text: str | None = None

    def get(self) -> str | None:
        try:
            intervals = get_catalogue().plugin_intervals()
        except Exception:
            # The finishing statement then writes the provisional deadline, and the correction logs the outage.
            logger.debug("plugin intervals unavailable", exc_info=True)
            return None
        if intervals is None:
            return None
        if intervals is not self._source:
            self._text = json.dumps({plugin_id: interval.total_seconds() for plugin_id, interval in intervals.items()})
            self._source = intervals
        return self._text


plugin_intervals_json = _IntervalsJson()


def correct_provisional_deadline(
    *, task: Task, cron: str | None, provisional: datetime.datetime, now: datetime.datetime
) -> datetime.datetime:
    """Replace the provisional deadline the finishing statement gave the task's schedule by the real one.

    Runs after that statement, in its own: a crash in between leaves the grace period as the next
    deadline, never none. Nothing is written when the real deadline is the provisional one, or when
    the schedule's deadline has been changed since (an analyst's "run now" wins).
    """
    try:
        deadline = next_deadline(data=task.data, cron=cron, now=now, catalogue=get_catalogue())
    except Exception:
        # The task is already finished: a catalogue that cannot answer (an HTTP KATalogus that is down)
        # must not turn that into an error for the worker. The schedule keeps the grace period.
        logger.warning(
            "schedule %s keeps the grace period: its next deadline could not be computed",
            task.schedule_id,
            exc_info=True,
        )
        return provisional
    if deadline != provisional:
        # Off the hot path (cron schedules, catalogues without an interval list): the ORM is fast enough.
        schedules = Schedule.objects.filter(pk=task.schedule_id, deadline_at=provisional)
        schedules.update(deadline_at=deadline, modified_at=now)
    return deadline


def schedule_after_task_finished(
    *, task: Task, now: datetime.datetime, catalogue: Catalogue | None = None
) -> datetime.datetime | None:
    """Give the task's schedule its next deadline, in the transaction that finishes the task.

    For finishes outside the task store's finishing write (which sets the deadline itself): lease expiry.
    """
    if task.schedule_id is None:
        return None
    crons = list(Schedule.objects.filter(pk=task.schedule_id).values_list("schedule", flat=True)[:1])
    if not crons:
        return None
    deadline = next_deadline(data=task.data, cron=crons[0], now=now, catalogue=catalogue or get_catalogue())
    Schedule.objects.filter(pk=task.schedule_id).update(deadline_at=deadline, modified_at=now)
    return deadline
