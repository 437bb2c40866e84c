"""Stands in for Rocky's `rocky.scheduler` module: its model and exception names, as the client looks them up.

The models are the suite's copies of Rocky's (tests/support/openkat_models.py); the exceptions have Rocky's
names, hierarchy and constructor but are distinct classes, so a test can tell Rocky's from the app's own.
No `SchedulerPermissionError`: Rocky has none, and the client must still raise one Rocky's `except` catches.
"""

import uuid

from pydantic import BaseModel

from tests.support import openkat_models

Task = openkat_models.RockyTask
TaskPop = openkat_models.RockyTaskPop
PaginatedTasksResponse = openkat_models.PaginatedTasksResponse
ScheduleResponse = openkat_models.ScheduleResponse
PaginatedSchedulesResponse = openkat_models.PaginatedSchedulesResponse
Queue = openkat_models.Queue
ServiceHealth = openkat_models.ServiceHealth
TaskStatus = openkat_models.TaskStatus


class TaskPush(BaseModel):
    """What Rocky's views hand to push_task."""

    id: uuid.UUID | None = None
    scheduler_id: str | None = None
    organisation: str
    priority: int | None = None
    data: dict


class ScheduleRequest(BaseModel):
    scheduler_id: str
    organisation: str
    data: dict
    schedule: str | None = None
    deadline_at: str


class SchedulerError(Exception):
    message = "rocky: unexpected error"

    def __init__(self, *args: object, extra_message: str | None = None) -> None:
        super().__init__(*args)
        if extra_message is not None:
            self.message = extra_message + self.message

    def __str__(self) -> str:
        return str(self.message)


class SchedulerConnectError(SchedulerError):
    pass


class SchedulerValidationError(SchedulerError):
    pass


class SchedulerTaskNotFound(SchedulerError):
    pass


class SchedulerTooManyRequestError(SchedulerError):
    pass


class SchedulerBadRequestError(SchedulerError):
    pass


class SchedulerConflictError(SchedulerError):
    pass


class SchedulerHTTPError(SchedulerError):
    pass
