"""django-q2 entry points: thin wrappers that call one service each and log what it did.

Declared as schedules by `manage.py setup_schedules`; run by `manage.py qcluster`.
"""

import dataclasses
import logging

logger = logging.getLogger(__name__)


def _did_something(value: object) -> bool:
    """Whether a job's result has a count above zero or a non-empty list of changes anywhere in it."""
    if isinstance(value, dict):
        return any(_did_something(item) for key, item in value.items() if key != "organisations")
    if isinstance(value, (list, tuple)):
        return bool(value)
    return bool(value) and not isinstance(value, str)


def _log(what: str, result: dict) -> None:
    # Each job runs every minute or so: a run that changed nothing is not worth a console line.
    logger.log(logging.INFO if _did_something(result) else logging.DEBUG, "%s: %s", what, result)


def reschedule_due() -> dict:
    from rocky_scheduler.services.scheduling import schedule_due_push

    result = dataclasses.asdict(schedule_due_push())
    _log("rescheduling", result)
    return result


def expire_leases() -> dict:
    from rocky_scheduler.services import task_expire_leases

    result = dataclasses.asdict(task_expire_leases())
    _log("lease expiry", result)
    return result


def housekeeping() -> dict:
    from rocky_scheduler.services.housekeeping import housekeeping_run

    result = dataclasses.asdict(housekeeping_run())
    _log("housekeeping", result)
    return result


def task_counts_fold() -> dict:
    from rocky_scheduler.services.task_counts import fold

    result = dataclasses.asdict(fold())
    # `folded` is True on every run that got the lock: only the numbers say whether it did something.
    _log("task counts", {key: value for key, value in result.items() if key != "folded"})
    return result


def plugin_schedule_everywhere(organisation: str, plugin_id: str) -> dict:
    from rocky_scheduler.services.scheduling.plugins import plugin_schedule_everywhere as schedule

    outcome = schedule(organisation=organisation, plugin_id=plugin_id)
    return {"scheduled": len(outcome.scheduled), "skipped": len(outcome.skipped)}


def plugins_reconcile() -> dict:
    from rocky_scheduler.services.scheduling.plugin_reconcile import plugins_reconcile as reconcile

    result = dataclasses.asdict(reconcile())
    _log("plugin reconciliation", result)
    return result
