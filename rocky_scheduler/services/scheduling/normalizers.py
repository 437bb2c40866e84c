"""Normalizer tasks from raw files (DESIGN.md "Scheduling")."""

from django.db import transaction

from rocky_scheduler.catalogue import Catalogue, get_catalogue
from rocky_scheduler.errors import DuplicateTask, QueueFull
from rocky_scheduler.messages import RawFileReceived
from rocky_scheduler.models import TaskType
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.scheduling.deschedule import schedule_deschedule_for_raw_file
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome
from rocky_scheduler.services.task_push import task_push

ERROR_PREFIX = "error/"
SKIP_ERROR = "raw file is an error ({mime_type})"
SKIP_ACTIVE = "already queued or running"
SKIP_FULL = "queue full"
ACTOR = "system:raw-file-received"


@transaction.atomic
def normalizers_schedule_for_raw_file(
    *, raw_file: RawFileReceived, catalogue: Catalogue | None = None, clock: Clock = default_clock
) -> SchedulingOutcome:
    if raw_file.deschedules:
        # The file holds the boefje's reason, not output: no normalizer parses it, whatever its other mime types.
        return schedule_deschedule_for_raw_file(raw_file=raw_file, clock=clock)
    catalogue = catalogue or get_catalogue()
    outcome = SchedulingOutcome()
    errors = [mime_type for mime_type in raw_file.mime_types if mime_type.startswith(ERROR_PREFIX)]
    if errors:
        outcome.skip("*", SKIP_ERROR.format(mime_type=errors[0]))
        return outcome
    mime_types = set(raw_file.mime_types)
    for plugin in catalogue.enabled_plugins(organisation=raw_file.organisation, plugin_type=TaskType.NORMALIZER):
        if not mime_types.intersection(plugin.consumes):
            continue
        data = {"normalizer": {"id": plugin.id, "version": plugin.version or None}, "raw_data": raw_file.raw_data}
        try:
            task = task_push(
                scheduler_id=TaskType.NORMALIZER,
                organisation=raw_file.organisation,
                data=data,
                actor=ACTOR,
                clock=clock,
            )
        except DuplicateTask:
            outcome.skip(plugin.id, SKIP_ACTIVE)
        except QueueFull:
            outcome.skip(plugin.id, SKIP_FULL)
        else:
            outcome.scheduled.append(str(task.id))
    return outcome
