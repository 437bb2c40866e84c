from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler import selectors
from rocky_scheduler.access import actor_of, request_scope
from rocky_scheduler.api.pagination import COUNT_ESTIMATED_PARAMETER, paginated_response
from rocky_scheduler.api.permissions import refuse_unless_may_change
from rocky_scheduler.api.representations import schedule_json
from rocky_scheduler.api.schema import AUTHENTICATED, WITH_BODY, errors, extend_schema
from rocky_scheduler.api.serializers import (
    PopSerializer,
    ScheduleCreateSerializer,
    SchedulePageSerializer,
    SchedulePatchSerializer,
    ScheduleSerializer,
)
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.filters import SCHEDULE_COLUMNS, parse_filters
from rocky_scheduler.services.schedules import get_schedule, schedule_create, schedule_delete, schedule_update

PATCH_EMPTY = _("Nothing to change: give enabled, schedule, deadline_at or data.")
LIST_DESCRIPTION = (
    "Schedules (recurring work: each queues a task when its deadline comes), a page at a time (`limit`, "
    "`offset`), narrowed by the query parameters."
)
ENABLE_REASON = "enabled through the API"
DISABLE_REASON = "disabled through the API"
LIST_PARAMETERS = [
    OpenApiParameter(name, str, required=False)
    for name in ("scheduler_id", "organisation", "enabled", "schedule_hash", "min_deadline_at", "max_deadline_at")
] + [
    OpenApiParameter("limit", int, required=False),
    OpenApiParameter("offset", int, required=False),
    COUNT_ESTIMATED_PARAMETER,
]


class ScheduleListView(SchedulerApiView):
    required_permissions = {"POST": ("add_schedule",)}

    @extend_schema(
        operation_id="schedules_list",
        parameters=LIST_PARAMETERS,
        responses={
            200: SchedulePageSerializer,
            **errors(*AUTHENTICATED, 400, missing="filter"),
        },
        summary="Schedules",
        description=LIST_DESCRIPTION,
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.schedule_list(params=request.query_params, scope=request_scope(request))
        return paginated_response(request, queryset, schedule_json)

    @extend_schema(
        request=ScheduleCreateSerializer,
        responses={
            201: ScheduleSerializer,
            **errors(*WITH_BODY, 409, missing="filter", _409="The same work has a schedule already."),
        },
        summary="Create a schedule",
        description=(
            "Recurring work for a scheduler: `data` as on push, `schedule` a cron expression and/or `deadline_at` "
            "(when the first task is due; without it, the cron expression's next time)."
        ),
    )
    def post(self, request: Request) -> Response:
        body = self.validated(ScheduleCreateSerializer, self.body(allow_empty=False))
        refuse_unless_may_change(request, body["organisation"])
        schedule = schedule_create(**body, actor=actor_of(request))
        return Response(schedule_json(schedule), status=status.HTTP_201_CREATED)


class ScheduleSearchView(SchedulerApiView):
    @extend_schema(
        parameters=LIST_PARAMETERS,
        request=PopSerializer,
        responses={200: SchedulePageSerializer, **errors(*WITH_BODY, missing="filter")},
        summary="Search",
        description=LIST_DESCRIPTION + " The body's `filters` narrow them further, as on pop.",
    )
    def post(self, request: Request) -> Response:
        body = self.body()
        filters = parse_filters(body["filters"], columns=SCHEDULE_COLUMNS) if body.get("filters") is not None else None
        queryset = selectors.schedule_list(params=request.query_params, filters=filters, scope=request_scope(request))
        return paginated_response(request, queryset, schedule_json)


class ScheduleDetailView(SchedulerApiView):
    required_permissions = {"PATCH": ("change_schedule",), "DELETE": ("delete_schedule",)}

    @extend_schema(
        responses={200: ScheduleSerializer, **errors(*AUTHENTICATED, missing="schedule")},
        summary="One schedule",
        description="The schedule with its work (`data`), cron expression, next deadline and whether it is enabled.",
    )
    def get(self, request: Request, schedule_id: str) -> Response:
        return Response(schedule_json(get_schedule(schedule_id, scope=request_scope(request))))

    @extend_schema(
        request=SchedulePatchSerializer,
        responses={200: ScheduleSerializer, **errors(*WITH_BODY, missing="schedule")},
        summary="Change a schedule",
        description="Enable or disable it (kept in its history), change its cron expression, deadline or work.",
    )
    def patch(self, request: Request, schedule_id: str) -> Response:
        refuse_unless_may_change(request, get_schedule(schedule_id, scope=request_scope(request)).organisation)
        changes = self.validated(SchedulePatchSerializer, self.body())
        if not changes:
            raise InvalidInput(PATCH_EMPTY, field="body")
        reason = ENABLE_REASON if changes.get("enabled") else DISABLE_REASON
        schedule = schedule_update(schedule_id=schedule_id, actor=actor_of(request), reason=reason, **changes)
        return Response(schedule_json(schedule))

    @extend_schema(
        responses={204: None, **errors(*AUTHENTICATED, missing="schedule")},
        summary="Delete a schedule",
        description="The schedule queues nothing more; its past tasks stay.",
    )
    def delete(self, request: Request, schedule_id: str) -> Response:
        refuse_unless_may_change(request, get_schedule(schedule_id, scope=request_scope(request)).organisation)
        schedule_delete(schedule_id=schedule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
