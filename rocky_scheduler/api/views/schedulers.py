from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from rocky_scheduler import selectors
from rocky_scheduler.access import OrganisationScope, request_scope
from rocky_scheduler.api.permissions import StaffOnly, actor_of, refuse_unless_may_change
from rocky_scheduler.api.representations import scheduler_json, task_json
from rocky_scheduler.api.schema import extend_schema
from rocky_scheduler.api.serializers import (
    PopResultSerializer,
    PopSerializer,
    PushSerializer,
    QueueSerializer,
    SchedulerPatchSerializer,
    SchedulerSerializer,
    TaskSerializer,
)
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import SCHEDULER_MISMATCH, InvalidInput
from rocky_scheduler.filters import parse_filters
from rocky_scheduler.models import Scheduler
from rocky_scheduler.services import task_push
from rocky_scheduler.services.common import get_scheduler
from rocky_scheduler.services.scheduler_settings import scheduler_update
from rocky_scheduler.services.task_pop import task_pop_outcome

POP_LIMIT_INVALID = "limit must be an integer between 1 and {maximum}."
# Answers a pop on a paused scheduler (with an empty result list), absent otherwise.
PAUSED_HEADER = "X-Scheduler-Status"


def _overview(scheduler: Scheduler, sizes: dict[str, int], scope: OrganisationScope) -> dict:
    # Counted over the caller's organisations only: a queue size must not tell of tasks they may not see.
    last_activity = selectors.last_activity(scheduler.pk, scope=scope)
    return scheduler_json(scheduler, qsize=sizes.get(scheduler.pk, 0), last_activity=last_activity)


class SchedulerListView(SchedulerApiView):
    @extend_schema(responses=SchedulerSerializer(many=True), summary="All schedulers with their queue size")
    def get(self, request):
        scope = request_scope(request)
        sizes = selectors.queue_sizes(scope=scope)
        return Response([_overview(scheduler, sizes, scope) for scheduler in Scheduler.objects.all()])


class SchedulerDetailView(SchedulerApiView):
    def get_permissions(self):
        if self.request.method == "PATCH":
            return [StaffOnly()]
        return super().get_permissions()

    @extend_schema(responses=SchedulerSerializer)
    def get(self, request, scheduler_id: str):
        scheduler = get_scheduler(scheduler_id)
        scope = request_scope(request)
        return Response(_overview(scheduler, selectors.queue_sizes(scope=scope), scope))

    @extend_schema(request=SchedulerPatchSerializer, responses=SchedulerSerializer, summary="Staff: queue settings")
    def patch(self, request, scheduler_id: str):
        get_scheduler(scheduler_id)
        changes = self.validated(SchedulerPatchSerializer, self.body())
        if not changes:
            raise InvalidInput("Nothing to change: give maxsize, paused, ranker or deduplicate.", field="body")
        scheduler = scheduler_update(scheduler_id=scheduler_id, actor=actor_of(request), **changes)
        scope = request_scope(request)
        return Response(_overview(scheduler, selectors.queue_sizes(scope=scope), scope))


class PushView(SchedulerApiView):
    required_permissions = {"POST": ("push_task",)}

    @extend_schema(request=PushSerializer, responses={201: TaskSerializer}, summary="Queue a task")
    def post(self, request, scheduler_id: str):
        body = self.validated(PushSerializer, self.body(allow_empty=False))
        given = body.get("scheduler_id")
        if given and given != scheduler_id:
            get_scheduler(scheduler_id)
            raise InvalidInput(SCHEDULER_MISMATCH.format(given=given, expected=scheduler_id), field="scheduler_id")
        refuse_unless_may_change(request, body["organisation"])
        task = task_push(
            scheduler_id=scheduler_id,
            organisation=body["organisation"],
            data=body["data"],
            priority=body.get("priority"),
            task_id=body.get("id"),
            actor=actor_of(request),
        )
        return Response(task_json(task), status=status.HTTP_201_CREATED)


class PopView(SchedulerApiView):
    required_permissions = {"POST": ("pop_task",)}

    @extend_schema(
        request=PopSerializer,
        responses=PopResultSerializer,
        parameters=[
            OpenApiParameter("limit", int, description="How many tasks (default 1)."),
            OpenApiParameter(
                PAUSED_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                response=[200],
                description="`paused` when the scheduler is paused (the results are then empty); absent otherwise.",
            ),
        ],
        summary="Dispatch the best queued tasks",
        description=(
            "Dispatches the best queued tasks (lowest priority, then oldest) that match the filters. When the best "
            "one carries `data.deduplication_key`, the answer is the queued tasks sharing that key (up to `limit`) "
            "and nothing else; otherwise only tasks without a key."
        ),
    )
    def post(self, request, scheduler_id: str):
        limit = _pop_limit(request.query_params.get("limit"))
        body = self.body()
        filters = parse_filters(body["filters"]) if body.get("filters") is not None else None
        scope = request_scope(request)
        if not scope.everything:
            # Only the caller's organisations are handed out, whatever the filters ask for.
            filters = scope.q() if filters is None else filters & scope.q()
        outcome = task_pop_outcome(scheduler_id=scheduler_id, limit=limit, filters=filters, worker=actor_of(request))
        response = Response({"results": [task_json(task) for task in outcome.tasks]})
        if outcome.paused:
            # The body stays what OpenKAT's runner parses; the header lets a worker tell paused from empty.
            response[PAUSED_HEADER] = "paused"
        return response


def _pop_limit(raw: str | None) -> int:
    maximum = app_settings.POP_LIMIT_MAX
    if raw is None or raw == "":
        return 1
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidInput(POP_LIMIT_INVALID.format(maximum=maximum), field="limit") from None
    if not 1 <= limit <= maximum:
        raise InvalidInput(POP_LIMIT_INVALID.format(maximum=maximum), field="limit")
    return limit


class QueueListView(SchedulerApiView):
    @extend_schema(responses=QueueSerializer(many=True), summary="Queue sizes")
    def get(self, request):
        sizes = selectors.queue_sizes(scope=request_scope(request))
        return Response([{"id": key, "size": size} for key, size in sizes.items()])


class QueueDetailView(SchedulerApiView):
    @extend_schema(responses=QueueSerializer)
    def get(self, request, scheduler_id: str):
        scheduler = get_scheduler(scheduler_id)
        sizes = selectors.queue_sizes(scope=request_scope(request))
        return Response({"id": scheduler.pk, "size": sizes.get(scheduler.pk, 0)})
