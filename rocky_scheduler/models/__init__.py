from rocky_scheduler.models.catalogue import OOI, Organisation, Plugin, PluginEnablement, PluginType
from rocky_scheduler.models.counts import TaskCount, TaskCountDelta, TaskCountKind
from rocky_scheduler.models.ingest import ProcessedMessage
from rocky_scheduler.models.schedulers import Scheduler, TaskType
from rocky_scheduler.models.schedules import Schedule, ScheduleEvent
from rocky_scheduler.models.sync import JobCursor, PluginSync
from rocky_scheduler.models.tasks import ACTIVE_STATUSES, FINAL_STATUSES, Task, TaskEvent, TaskStatus
from rocky_scheduler.models.tokens import ApiToken

__all__ = [
    "ACTIVE_STATUSES",
    "ApiToken",
    "FINAL_STATUSES",
    "JobCursor",
    "OOI",
    "Organisation",
    "Plugin",
    "PluginEnablement",
    "PluginSync",
    "PluginType",
    "ProcessedMessage",
    "Schedule",
    "ScheduleEvent",
    "Scheduler",
    "Task",
    "TaskCount",
    "TaskCountDelta",
    "TaskCountKind",
    "TaskEvent",
    "TaskStatus",
    "TaskType",
]
