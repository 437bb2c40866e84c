"""django-q2 entry points: thin wrappers that call one service each and log what it did.

Declared as schedules by `manage.py setup_schedules`; run by `manage.py qcluster`.
"""

import dataclasses
import logging

logger = logging.getLogger(__name__)


def reschedule_due() -> dict:
    from rocky_scheduler.services.scheduling import schedule_due_push

    result = dataclasses.asdict(schedule_due_push())
    logger.info("rescheduling: %s", result)
    return result


def expire_leases() -> dict:
    from rocky_scheduler.services import task_expire_leases

    result = dataclasses.asdict(task_expire_leases())
    if result["requeued"] or result["failed"]:
        logger.info("lease expiry: %s", result)
    return result


def housekeeping() -> dict:
    from rocky_scheduler.services.housekeeping import housekeeping_run

    result = dataclasses.asdict(housekeeping_run())
    logger.info("housekeeping: %s", result)
    return result


def plugin_schedule_everywhere(organisation: str, plugin_id: str) -> dict:
    from rocky_scheduler.services.scheduling.plugins import plugin_schedule_everywhere as schedule

    outcome = schedule(organisation=organisation, plugin_id=plugin_id)
    return {"scheduled": len(outcome.scheduled), "skipped": len(outcome.skipped)}


def plugins_reconcile() -> dict:
    from rocky_scheduler.services.scheduling.plugin_sync import plugins_reconcile as reconcile

    result = dataclasses.asdict(reconcile())
    logger.info("plugin reconciliation: %s", result)
    return result
