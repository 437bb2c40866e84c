"""Rocky's SchedulerClient, in-process: the same methods, arguments and results, by calling the services directly.

Each method does what the API endpoint Rocky's HTTP client calls does (the same serializers for input, the same
services, the same JSON shapes from `api.representations`), acting as the request's user (`acting`), and
answers what Rocky's client answers (`ClientModels`). docs/rocky-integration.md has the switch and the mapping
of errors.
"""

import collections
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as SerializerError

from rocky_scheduler import errors as service_errors
from rocky_scheduler import selectors
from rocky_scheduler.access import MAY_NOT_CHANGE_ORGANISATION
from rocky_scheduler.api.errors import summarise_errors
from rocky_scheduler.api.representations import schedule_json, task_json
from rocky_scheduler.api.serializers import (
    PushSerializer,
    ScheduleCreateSerializer,
    SchedulePatchSerializer,
    TaskPatchSerializer,
)
from rocky_scheduler.api.views.schedules import DISABLE_REASON, ENABLE_REASON, PATCH_EMPTY
from rocky_scheduler.client import models as names
from rocky_scheduler.client.acting import Actor, acting
from rocky_scheduler.client.arguments import as_data, page, plain, query_params, validated
from rocky_scheduler.client.models import ClientModels
from rocky_scheduler.filters import SCHEDULE_COLUMNS, parse_filters
from rocky_scheduler.services import task_pop, task_push, task_transition
from rocky_scheduler.services.schedules import get_schedule, schedule_create, schedule_delete, schedule_update

LOGIN_REQUIRED = _("Log in to use the scheduler.")
MAY_NOT = {
    "push_task": _("You may not push tasks."),
    "pop_task": _("You may not pop tasks."),
    "add_schedule": _("You may not create schedules."),
    "change_schedule": _("You may not change schedules."),
    "delete_schedule": _("You may not delete schedules."),
}
MAY_NOT_CHANGE_STATUS = _("You may not change the status of tasks.")
PUSH_SCHEDULER_REQUIRED = "The task names no scheduler_id to push it to."

# Rocky's classes for bad input: its push turns a 400 into a bad request; a list whose 400 answer fails to
# parse into a validation error.
WRITE = "SchedulerBadRequestError"
READ = "SchedulerValidationError"


class SchedulerClient:
    """In-process twin of Rocky's `rocky.scheduler.SchedulerClient`.

    `organization_code` scopes what Rocky's client scopes (stats, schedule searches, scheduled reports).
    `user`: who acts (default: the current request's user, see `acting`). `models`: Rocky's module
    (`rocky.scheduler`) to answer with its classes and raise its exceptions; None answers plain JSON data.
    """

    def __init__(
        self, organization_code: str | None, *, user: Any = None, models: ModuleType | str | None = None
    ) -> None:
        self.organization_code = organization_code
        self.user = user
        self.models = ClientModels(models)

    # --- schedules ------------------------------------------------------------------------------------------------

    def list_schedules(self, **kwargs: Any) -> Any:
        with self._errors(READ):
            actor = self._allow()
            queryset = selectors.schedule_list(params=query_params(kwargs), scope=actor.scope())
            return self.models.parse(names.SCHEDULE_PAGE, page(queryset, schedule_json, kwargs))

    def get_schedule_details(self, schedule_id: str) -> Any:
        with self._errors(READ):
            actor = self._allow()
            return self.models.parse(names.SCHEDULE, schedule_json(get_schedule(schedule_id, scope=actor.scope())))

    def post_schedule_search(self, filters: dict[str, Any]) -> Any:
        with self._errors(READ):
            actor = self._allow()
            found = self._schedule_search(filters, actor)
            return self.models.parse(names.SCHEDULE_PAGE, found)

    def get_scheduled_reports(self) -> list[dict[str, Any]]:
        """Plain data in any case, as Rocky's client answers here."""
        with self._errors(READ):
            actor = self._allow()
            report_schedules = {"filters": [{"column": "scheduler_id", "operator": "eq", "value": "report"}]}
            return self._schedule_search(report_schedules, actor)["results"]

    def post_schedule(self, schedule: Any) -> Any:
        with self._errors(WRITE):
            actor = self._allow("add_schedule")
            body = validated(ScheduleCreateSerializer, as_data(schedule))
            self._require_change(actor, body["organisation"])
            return self.models.parse(names.SCHEDULE, schedule_json(schedule_create(**body, actor=actor.name)))

    def patch_schedule(self, schedule_id: str, params: dict[str, Any]) -> None:
        with self._errors(WRITE):
            actor = self._allow("change_schedule")
            self._require_change(actor, get_schedule(schedule_id, scope=actor.scope()).organisation)
            changes = validated(SchedulePatchSerializer, dict(params))
            if not changes:
                raise service_errors.InvalidInput(PATCH_EMPTY, field="body")
            reason = ENABLE_REASON if changes.get("enabled") else DISABLE_REASON
            schedule_update(schedule_id=schedule_id, actor=actor.name, reason=reason, **changes)

    def delete_schedule(self, schedule_id: str) -> None:
        with self._errors(WRITE):
            actor = self._allow("delete_schedule")
            self._require_change(actor, get_schedule(schedule_id, scope=actor.scope()).organisation)
            schedule_delete(schedule_id=schedule_id)

    # --- tasks ----------------------------------------------------------------------------------------------------

    def list_tasks(self, **kwargs: Any) -> Any:
        """Rocky's LazyTaskList asks `limit=0` for the count, then `limit`/`offset` slices; `filters` is a body."""
        with self._errors(READ):
            actor = self._allow()
            body = kwargs.get("filters")
            filters = parse_filters(body) if body is not None else None
            queryset = selectors.task_list(params=query_params(kwargs), filters=filters, scope=actor.scope())
            return self.models.parse(names.TASK_PAGE, page(queryset, task_json, kwargs))

    def get_task_details(self, task_id: str) -> Any:
        with self._errors(READ, not_found="SchedulerTaskNotFound"):
            actor = self._allow()
            return self.models.parse(names.TASK, task_json(selectors.get_task(task_id, scope=actor.scope())))

    def push_task(self, item: Any) -> None:
        """`item`: Rocky's TaskPush or Task, or their JSON data; pushed to the scheduler it names."""
        with self._errors(WRITE):
            actor = self._allow("push_task")
            body = as_data(item)
            scheduler_id = body.get("scheduler_id")
            if not scheduler_id:
                raise service_errors.InvalidInput(PUSH_SCHEDULER_REQUIRED, field="scheduler_id")
            push = validated(PushSerializer, body)
            self._require_change(actor, push["organisation"])
            task_push(
                scheduler_id=scheduler_id,
                organisation=push["organisation"],
                data=push["data"],
                priority=push.get("priority"),
                task_id=push.get("id"),
                actor=actor.name,
            )

    def pop_item(self, scheduler_id: str) -> Any:
        """The best queued task, dispatched, or None."""
        popped = self._pop(scheduler_id, None)
        return self.models.parse(names.TASK, popped[0]) if popped else None

    def pop_items(self, scheduler_id: str, filters: dict[str, Any] | None) -> Any:
        """As Rocky's: one task (the API's default limit) matching `filters` (a body `{"filters": ...}`)."""
        return self.models.parse(names.TASK_POP, {"results": self._pop(scheduler_id, filters)})

    def patch_task(self, task_id: uuid.UUID | str, status: Any) -> None:
        with self._errors(WRITE, not_found="SchedulerTaskNotFound"):
            actor = self._allow()
            change = validated(TaskPatchSerializer, {"status": plain(status)})
            if not actor.may_change_status(change["status"]):
                raise self._refusal(MAY_NOT_CHANGE_STATUS)
            if not actor.is_process:
                self._require_change(actor, selectors.get_task(task_id, scope=actor.scope()).organisation)
            task_transition(task_id=task_id, status=change["status"], actor=actor.name)

    def get_queues(self) -> Any:
        with self._errors(READ):
            actor = self._allow()
            sizes = selectors.queue_sizes(scope=actor.scope())
            queues = [{"id": key, "size": size} for key, size in sizes.items()]
            return self.models.parse(names.QUEUE, queues, many=True)

    def health(self) -> Any:
        """Public, as the API's /health."""
        return self.models.parse(names.HEALTH, selectors.service_health())

    # --- statistics: hour -> status -> count, plain data as Rocky's client answers -------------------------------

    def get_task_stats(self, task_type: str) -> dict[str, dict[str, int]]:
        return self._stats(task_type, self.organization_code)

    def get_task_stats_for_all_organizations(self, scheduler_id: str) -> dict[str, dict[str, int]]:
        return self._stats(scheduler_id, None)

    def get_combined_schedulers_stats(self, scheduler_id: str, organization_codes: list[str]) -> dict[str, Any]:
        merged: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for code in organization_codes:
            for hour, counts in self._stats(scheduler_id, code).items():
                merged[hour].update(counts)
        return dict(merged)

    # --- the rest -------------------------------------------------------------------------------------------------

    def _stats(self, scheduler_id: str, organisation: str | None) -> dict[str, dict[str, int]]:
        with self._errors(READ):
            actor = self._allow()
            return selectors.task_stats(scheduler_id=scheduler_id, organisation=organisation, scope=actor.scope())

    def _pop(self, scheduler_id: str, body: dict[str, Any] | None) -> list[dict[str, Any]]:
        with self._errors(WRITE):
            actor = self._allow("pop_task")
            filters = parse_filters(body["filters"]) if body and body.get("filters") is not None else None
            scope = actor.scope()
            if not scope.everything:
                filters = scope.q() if filters is None else filters & scope.q()
            tasks = task_pop(scheduler_id=scheduler_id, limit=1, filters=filters, worker=actor.name)
            return [task_json(task) for task in tasks]

    def _schedule_search(self, body: dict[str, Any], actor: Actor) -> dict[str, Any]:
        """As Rocky's: only this organisation's schedules (all of them for a client of no organisation)."""
        filters = parse_filters(body, columns=SCHEDULE_COLUMNS)
        if self.organization_code is not None:
            own = [{"column": "organisation", "operator": "eq", "value": self.organization_code}]
            ours = parse_filters(own, columns=SCHEDULE_COLUMNS)
            # One condition always parses to a Q; None is for an empty filter.
            if ours is not None:
                filters = ours if filters is None else filters & ours
        return page(selectors.schedule_list(params={}, filters=filters, scope=actor.scope()), schedule_json, {})

    def _allow(self, codename: str | None = None) -> Actor:
        """The acting user, when it may read (and hold `codename`); the API's rules (api/permissions.py)."""
        actor = acting(self.user)
        if not actor.may_read():
            raise self._refusal(LOGIN_REQUIRED)
        if codename is not None and not actor.may(codename):
            raise self._refusal(MAY_NOT[codename])
        return actor

    def _require_change(self, actor: Actor, organisation: str) -> None:
        if not actor.may_change_organisation(organisation):
            raise self._refusal(MAY_NOT_CHANGE_ORGANISATION.format(organisation=organisation))

    def _refusal(self, message: service_errors.StrOrPromise) -> Exception:
        # The message is what Rocky shows the user (`error.message`): what they may not do.
        return self.models.error("SchedulerPermissionError", str(message), message=str(message))

    @contextmanager
    def _errors(self, invalid: str, *, not_found: str | None = None) -> Iterator[None]:
        """The service's errors as the exceptions of Rocky's client (the table in docs/rocky-integration.md)."""
        try:
            yield
        except service_errors.QueueFull as error:
            raise self.models.error("SchedulerTooManyRequestError", error.message) from error
        except service_errors.Conflict as error:
            raise self.models.error("SchedulerConflictError", error.message) from error
        except service_errors.NotFound as error:
            raise self.models.error(not_found or invalid, error.message) from error
        except service_errors.SchedulerError as error:
            raise self.models.error(invalid, error.message) from error
        except SerializerError as error:
            detail = summarise_errors(error.detail) if isinstance(error.detail, dict) else str(error.detail)
            raise self.models.error(invalid, detail) from error


def scheduler_client(organization_code: str | None, *, models: ModuleType | str | None = None) -> SchedulerClient:
    """The factory Rocky's `rocky.scheduler.scheduler_client` becomes (one line, docs/rocky-integration.md)."""
    return SchedulerClient(organization_code, models=models)
