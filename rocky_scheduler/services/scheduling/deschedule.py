"""A boefje's "this object will never give results" (a raw file of mime type openkat/deschedule).

The schedule of (boefje, input object, organisation) is switched off, recording when and which raw
file did it (that file, in Bytes, holds the boefje's reason); its queued task is cancelled. Nothing
is deleted: a person enables the schedule again in the admin or the API.
"""

from django.db import transaction

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.messages import DESCHEDULE_MIME_TYPE, DESCHEDULE_WITHOUT_BOEFJE, RawFileReceived
from rocky_scheduler.models import Schedule, ScheduleEvent, Task, TaskStatus, TaskType
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.schedules import plugin_timing
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome
from rocky_scheduler.services.task_transition import task_cancel
from rocky_scheduler.taskdata import validate_task_data

ACTOR = "system:raw-file-received"
DESCHEDULE_REASON = "de-scheduled by boefje {boefje!r}: raw file {raw_file} ({mime_type}) holds its reason"
CANCEL_REASON = "its schedule was de-scheduled by raw file {raw_file}"
SKIP_DESCHEDULED = "de-scheduled (raw file {raw_file})"
SKIP_ALREADY = "already de-scheduled by this raw file"


@transaction.atomic
def schedule_deschedule_for_raw_file(*, raw_file: RawFileReceived, clock: Clock = default_clock) -> SchedulingOutcome:
    """Switch off the schedule the raw file's boefje run belongs to; a repeated message changes nothing.

    A schedule that does not exist yet is created switched off: otherwise the next scan-profile
    mutation would create it switched on and run the boefje that said "never" again.
    """
    boefje_id = raw_file.boefje_id
    if boefje_id is None:
        # The message parser already refuses a de-schedule without its boefje; here the type checker sees it too.
        message = DESCHEDULE_WITHOUT_BOEFJE.format(mime_type=DESCHEDULE_MIME_TYPE)
        raise InvalidInput(message, field="raw_data.boefje_meta.boefje.id")
    outcome = SchedulingOutcome()
    data = {"boefje": raw_file.raw_data["boefje_meta"]["boefje"], "organization": raw_file.organisation}
    if raw_file.input_ooi:
        data["input_ooi"] = raw_file.input_ooi
    validated = validate_task_data(task_type=TaskType.BOEFJE, data=data, organisation=raw_file.organisation)
    now = clock()
    # Created like every boefje schedule, with its plugin's interval and cron: enabling it again later needs them.
    timing = plugin_timing(validated.data)
    schedule, _ = Schedule.objects.select_for_update().get_or_create(
        hash=validated.hash,
        defaults={
            "scheduler_id": TaskType.BOEFJE,
            "organisation": raw_file.organisation,
            "data": validated.data,
            "enabled": False,
            "interval": timing.interval,
            "schedule": timing.cron,
            "created_at": now,
            "modified_at": now,
        },
    )
    ooi = raw_file.input_ooi or ""
    if not schedule.enabled and schedule.descheduled_by_raw_file == raw_file.raw_data_id:
        outcome.skip(boefje_id, SKIP_ALREADY, ooi=ooi)
        return outcome
    schedule.enabled = False
    schedule.descheduled_at = now
    schedule.descheduled_by_raw_file = raw_file.raw_data_id
    schedule.modified_at = now
    schedule.save(update_fields=["enabled", "descheduled_at", "descheduled_by_raw_file", "modified_at"])
    ScheduleEvent.objects.create(
        schedule=schedule,
        at=now,
        kind=ScheduleEvent.Kind.DISABLED,
        actor=ACTOR,
        reason=DESCHEDULE_REASON.format(
            boefje=boefje_id, raw_file=raw_file.raw_data_id, mime_type=DESCHEDULE_MIME_TYPE
        ),
    )
    queued = Task.objects.filter(scheduler_id=TaskType.BOEFJE, hash=validated.hash, status=TaskStatus.QUEUED)
    for task_id in list(queued.values_list("id", flat=True)):
        reason = CANCEL_REASON.format(raw_file=raw_file.raw_data_id)
        task_cancel(task_id=task_id, actor=ACTOR, reason=reason, clock=clock)
        outcome.cancelled += 1
    outcome.skip(boefje_id, SKIP_DESCHEDULED.format(raw_file=raw_file.raw_data_id), ooi=ooi)
    return outcome
