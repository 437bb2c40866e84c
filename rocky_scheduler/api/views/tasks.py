from contextlib import nullcontext

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler import selectors
from rocky_scheduler.access import actor_of, request_scope, user_may_change_everywhere
from rocky_scheduler.api.pagination import COUNT_ESTIMATED_PARAMETER, paginated_response
from rocky_scheduler.api.permissions import may_change_status, refuse_unless_may_change, user_has
from rocky_scheduler.api.representations import task_json
from rocky_scheduler.api.schema import AUTHENTICATED, WITH_BODY, errors, extend_schema
from rocky_scheduler.api.serializers import PopSerializer, TaskPageSerializer, TaskPatchSerializer, TaskSerializer
from rocky_scheduler.api.task_data import EXAMPLE_TASK
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.filters import parse_filters
from rocky_scheduler.services import task_set_priority, task_transition

PATCH_EMPTY = _("Nothing to change: give status and/or priority.")
MAY_NOT_REPRIORITISE = _("You may not change the priority of tasks.")
MAY_NOT_CHANGE_STATUS = _("You may not change the status of tasks.")
LIST_DESCRIPTION = (
    "Tasks newest first, a page at a time (`limit`, `offset`; `next` and `previous` link the pages), narrowed by "
    "the query parameters. Rocky's task pages read this."
)

LIST_PARAMETERS = [
    OpenApiParameter(name, str, required=False)
    for name in (
        "scheduler_id",
        "organisation",
        "task_type",
        "status",
        "input_ooi",
        "plugin_id",
        "min_created_at",
        "max_created_at",
    )
] + [
    OpenApiParameter("limit", int, required=False),
    OpenApiParameter("offset", int, required=False),
    COUNT_ESTIMATED_PARAMETER,
]


class TaskListView(SchedulerApiView):
    @extend_schema(
        operation_id="tasks_list",
        parameters=LIST_PARAMETERS,
        responses={200: TaskPageSerializer, **errors(*AUTHENTICATED, 400, missing="filter")},
        summary="Tasks",
        description=LIST_DESCRIPTION,
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.task_list(params=request.query_params, scope=request_scope(request))
        return paginated_response(request, queryset, task_json)

    @extend_schema(
        parameters=LIST_PARAMETERS,
        request=PopSerializer,
        responses={200: TaskPageSerializer, **errors(*WITH_BODY, missing="filter")},
        summary="Tasks, newest first, with body filters",
        description=LIST_DESCRIPTION + " The body's `filters` narrow them further, as on pop.",
    )
    def post(self, request: Request) -> Response:
        body = self.body()
        filters = parse_filters(body["filters"]) if body.get("filters") is not None else None
        queryset = selectors.task_list(params=request.query_params, filters=filters, scope=request_scope(request))
        return paginated_response(request, queryset, task_json)


class TaskStatsView(SchedulerApiView):
    @extend_schema(
        parameters=[OpenApiParameter("scheduler_id", str), OpenApiParameter("organisation_id", str)],
        responses={200: dict, **errors(*AUTHENTICATED, missing="filter")},
        summary="Tasks per hour and status over the last 24 hours",
        description=(
            "For dashboards (Rocky's task statistics): per hour, keyed by its start (ISO 8601, UTC), how many tasks "
            "last changed then, per status and in total; optionally of one scheduler and one organisation."
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(
            selectors.task_stats(
                scheduler_id=request.query_params.get("scheduler_id"),
                organisation=request.query_params.get("organisation_id") or request.query_params.get("organisation"),
                scope=request_scope(request),
            )
        )


class TaskDetailView(SchedulerApiView):
    @extend_schema(
        responses={200: TaskSerializer, **errors(*AUTHENTICATED, missing="task")},
        examples=[OpenApiExample("A boefje task", value=EXAMPLE_TASK, response_only=True, status_codes=["200"])],
        summary="One task",
        description="The task with its status, priority and `data` (the shape of its type).",
    )
    def get(self, request: Request, task_id: str) -> Response:
        return Response(task_json(selectors.get_task(task_id, scope=request_scope(request))))

    @extend_schema(
        request=TaskPatchSerializer,
        responses={
            200: TaskSerializer,
            **errors(
                *WITH_BODY,
                409,
                _403="Status changes need pop_task (cancelling: cancel_task); priority changes need reprioritise_task.",
                missing="task",
                _409="The task cannot go from its status to the one asked (e.g. from `completed`).",
            ),
        },
        examples=[
            OpenApiExample("Running", value={"status": "running"}, request_only=True),
            OpenApiExample("Completed", value={"status": "completed"}, request_only=True),
            OpenApiExample("Failed", value={"status": "failed", "reason": "nmap exited with 1"}, request_only=True),
        ],
        summary="Change status and/or priority, with a reason",
        description=(
            "A boefje runner reports on a popped task: `running` when it starts, then `completed` or `failed` "
            "(with the `reason`, kept in the task's history). An analyst cancels a task or re-prioritises a "
            "queued one. A status the task cannot take from its current one is a 409."
        ),
    )
    def patch(self, request: Request, task_id: str) -> Response:
        if not user_may_change_everywhere(request.user):
            # Scoped callers only: a worker serving every organisation keeps its completions free of this look-up.
            refuse_unless_may_change(request, selectors.get_task(task_id, scope=request_scope(request)).organisation)
        try:
            changes = dict(self.validated(TaskPatchSerializer, self.body()))
        except ValidationError:
            # An unknown task is a 404 whatever the body says; looked up only here, off every completion's path.
            selectors.get_task(task_id)
            raise
        # The reason says why, not what: alone it changes nothing.
        reason = changes.pop("reason", "")
        if not changes:
            raise InvalidInput(PATCH_EMPTY, field="body")
        # Every permission is checked before anything changes, and both changes share one transaction:
        # a request refused in its second half (403, or 409 on the status) must not keep its first half.
        if "priority" in changes and not user_has(request, "reprioritise_task"):
            raise PermissionDenied(MAY_NOT_REPRIORITISE)
        if "status" in changes and not may_change_status(request.user, changes["status"]):
            raise PermissionDenied(MAY_NOT_CHANGE_STATUS)
        actor = actor_of(request)
        task = None
        # Only a request with both changes needs an outer transaction; around one service call (which has its
        # own) it would only turn that transaction into a savepoint, two more statements on every completion.
        with transaction.atomic() if len(changes) > 1 else nullcontext():
            if "priority" in changes:
                task = task_set_priority(task_id=task_id, priority=changes["priority"], actor=actor, reason=reason)
            if "status" in changes:
                task = task_transition(task_id=task_id, status=changes["status"], actor=actor, reason=reason)
        # Not empty, and the serializer knows no field but priority, status and reason: one of them ran.
        assert task is not None
        return Response(task_json(task))
