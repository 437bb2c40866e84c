"""Typed errors of the service layer.

Each carries a `code` the HTTP layer maps to a status (see rocky_scheduler.api), and a
message built from the constants below so tests can assert on them.
"""

from typing import TYPE_CHECKING, TypeAlias

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    # django-stubs' name for what gettext_lazy returns; it exists in the stubs only.
    from django.utils.functional import _StrPromise

    StrOrPromise: TypeAlias = str | _StrPromise
else:
    # A message: plain text or a lazy translation (as django_stubs_ext defines it, without needing that package).
    StrOrPromise = str | Promise

UNKNOWN_SCHEDULER = _("Scheduler {scheduler_id!r} does not exist.")
TASK_NOT_FOUND = _("Task {task_id} does not exist.")
SCHEDULE_NOT_FOUND = _("Schedule {schedule_id} does not exist.")
PRIORITY_INVALID = _("priority must be an integer >= 1, got {priority!r}.")
SCHEDULER_MISMATCH = _("scheduler_id {given!r} does not match the scheduler {expected!r} of this path.")
ILLEGAL_TRANSITION = _("A task cannot go from {from_status!r} to {to_status!r}.")
POP_ONLY_TRANSITION = _("A task becomes 'dispatched' only by being popped.")
NOT_REPRIORITISABLE = _("Only queued tasks can be re-prioritised; this one is {status!r}.")
DUPLICATE_QUEUED = _("A task with this hash is already queued on scheduler {scheduler_id!r}.")
DUPLICATE_ACTIVE = _("The schedule of this task already has an active task.")
DUPLICATE_ID = _("A task with id {task_id} already exists.")
QUEUE_FULL = _("Scheduler {scheduler_id!r} is full: {queued} tasks queued, its limit is {maxsize}; retry later.")
OBJECT_NOT_CONFIRMED = _(
    "Object {primary_key!r} of organisation {organisation!r} is not in Octopoes after {seconds:g} s; "
    "no task queued for it (retry later)."
)


class SchedulerError(Exception):
    """Base class; `code` names the kind of failure, independent of any transport."""

    code = "error"

    def __init__(self, message: StrOrPromise, *, field: str | None = None) -> None:
        # Translated now, in the language of the request that ran into it (English for clients that send no
        # Accept-Language, and for background work): later readers (history, dead letters, logs) get plain text.
        text = str(message)
        super().__init__(text)
        self.message = text
        self.field = field


class InvalidInput(SchedulerError):
    """Task data, priority or a filter is malformed (HTTP 400)."""

    code = "invalid"


class NotFound(SchedulerError):
    """Unknown scheduler, task or schedule (HTTP 404)."""

    code = "not_found"


class Conflict(SchedulerError):
    """Illegal status change or duplicate (HTTP 409)."""

    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class DuplicateTask(Conflict):
    code = "duplicate"


class ObjectNotConfirmed(Conflict):
    """An event's object is not (yet) readable in Octopoes, so no work is queued for it (OpenKAT #2488).
    HTTP 409 with Retry-After; the AMQP consumer retries the message once, then dead-letters it."""

    code = "object_not_confirmed"


class QueueFull(SchedulerError):
    """The scheduler holds `maxsize` queued tasks (HTTP 429)."""

    code = "queue_full"
