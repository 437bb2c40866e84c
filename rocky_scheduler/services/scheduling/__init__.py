from rocky_scheduler.services.scheduling.boefjes import boefjes_schedule_for_mutation
from rocky_scheduler.services.scheduling.normalizers import normalizers_schedule_for_raw_file
from rocky_scheduler.services.scheduling.outcome import SchedulingOutcome
from rocky_scheduler.services.scheduling.plugins import plugin_set_enabled
from rocky_scheduler.services.scheduling.rescheduling import schedule_due_push

__all__ = [
    "SchedulingOutcome",
    "boefjes_schedule_for_mutation",
    "normalizers_schedule_for_raw_file",
    "plugin_set_enabled",
    "schedule_due_push",
]
