"""The exceptions of Rocky's scheduler client (`rocky/scheduler.py`), by the same names and in the same hierarchy.

Rocky's views catch `SchedulerError` and show its `message`; its worker and tests name the subclasses. A client
given Rocky's own module raises Rocky's classes of these names instead (see `ClientModels`), so Rocky's `except`
clauses hold; these are for hosts without such a module. `detail` carries the scheduler's own explanation (the
service error's message), which Rocky's fixed, translated `message` does not.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class SchedulerError(Exception):
    # Lazy, so Rocky shows it in the reader's language; a host's extra message makes it a plain string.
    message: str | Promise = _("The Scheduler has an unexpected error. Check the Scheduler logs for further details.")

    def __init__(self, *args: object, extra_message: str | None = None) -> None:
        super().__init__(*args)
        # As Rocky's: an extra message is a prefix naming the call ("Task list: ").
        if extra_message is not None:
            self.message = extra_message + str(self.message)
        self.detail: str | None = str(args[0]) if args else None

    def __str__(self) -> str:
        return str(self.message)


class SchedulerConnectError(SchedulerError):
    """Never raised in-process (there is no connection); here so code that names it still imports."""

    message = _("Could not connect to Scheduler. Service is possibly down.")


class SchedulerValidationError(SchedulerError):
    message = _("Your request could not be validated.")


class SchedulerTaskNotFound(SchedulerError):
    message = _("Task could not be found.")


class SchedulerTooManyRequestError(SchedulerError):
    message = _("Scheduler is receiving too many requests. Increase SCHEDULER_PQ_MAXSIZE or wait for task to finish.")


class SchedulerBadRequestError(SchedulerError):
    message = _("Bad request. Your request could not be interpreted by the Scheduler.")


class SchedulerConflictError(SchedulerError):
    message = _("The Scheduler has received a conflict. Your task is already in queue.")


class SchedulerHTTPError(SchedulerError):
    message = _("A HTTPError occurred. See Scheduler logs for more info.")


class SchedulerPermissionError(SchedulerError):
    """Ours, not Rocky's (its HTTP client never meets a 403): the acting user lacks a scheduler permission.

    Its `message` names what the user may not do.
    """

    message = _("You do not have permission for this scheduler action.")


ERROR_CLASSES: dict[str, type[SchedulerError]] = {
    error_class.__name__: error_class
    for error_class in (
        SchedulerError,
        SchedulerConnectError,
        SchedulerValidationError,
        SchedulerTaskNotFound,
        SchedulerTooManyRequestError,
        SchedulerBadRequestError,
        SchedulerConflictError,
        SchedulerHTTPError,
        SchedulerPermissionError,
    )
}
