"""In-process scheduler client for Rocky: its SchedulerClient's methods and answers, without HTTP.

See docs/rocky-integration.md ("Rocky's scheduler client, in-process").
"""

from rocky_scheduler.client.acting import PROCESS_ACTOR, RequestUserMiddleware
from rocky_scheduler.client.client import SchedulerClient, scheduler_client
from rocky_scheduler.client.errors import (
    SchedulerBadRequestError,
    SchedulerConflictError,
    SchedulerConnectError,
    SchedulerError,
    SchedulerHTTPError,
    SchedulerPermissionError,
    SchedulerTaskNotFound,
    SchedulerTooManyRequestError,
    SchedulerValidationError,
)

__all__ = [
    "PROCESS_ACTOR",
    "RequestUserMiddleware",
    "SchedulerBadRequestError",
    "SchedulerClient",
    "SchedulerConflictError",
    "SchedulerConnectError",
    "SchedulerError",
    "SchedulerHTTPError",
    "SchedulerPermissionError",
    "SchedulerTaskNotFound",
    "SchedulerTooManyRequestError",
    "SchedulerValidationError",
    "scheduler_client",
]
