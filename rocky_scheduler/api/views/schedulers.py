from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler import selectors
from rocky_scheduler.access import OrganisationScope, actor_of, request_scope
from rocky_scheduler.api.pagination import COUNT_ESTIMATED_HEADER
from rocky_scheduler.api.permissions import StaffOnly, refuse_unless_may_change
from rocky_scheduler.api.representations import scheduler_json, task_json
from rocky_scheduler.api.schema import AUTHENTICATED, WITH_BODY, errors, extend_schema
from rocky_scheduler.api.serializers import (
    PopResultSerializer,
    PopSerializer,
    PushSerializer,
    QueueSerializer,
    SchedulerPatchSerializer,
    SchedulerSerializer,
    TaskSerializer,
)
from rocky_scheduler.api.task_data import EXAMPLE_TASK, PUSH_EXAMPLES
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.conf import app_settings
from rocky_scheduler.counting import Counted
from rocky_scheduler.errors import SCHEDULER_MISMATCH, InvalidInput
from rocky_scheduler.filters import parse_filters
from rocky_scheduler.models import Scheduler
from rocky_scheduler.services import task_push
from rocky_scheduler.services.common import get_scheduler
from rocky_scheduler.services.scheduler_settings import scheduler_configure
from rocky_scheduler.services.task_pop import task_pop_outcome

if TYPE_CHECKING:
    # The stubs' name for what a permission class gives (DRF checks has_permission only).
    from rest_framework.permissions import _SupportsHasPermission

POP_LIMIT_INVALID = _("limit must be an integer between 1 and {maximum}.")
# Answers a pop on a paused scheduler (with an empty result list), absent otherwise.
PAUSED_HEADER = "X-Scheduler-Status"
# The path parameter as "Try it out" fills it in: the default boefje scheduler, which the first example fits.
SCHEDULER_ID = OpenApiParameter(
    "scheduler_id",
    str,
    OpenApiParameter.PATH,
    description="The scheduler: `boefje`, `normalizer` or `report` by default (GET /schedulers lists them).",
    examples=[OpenApiExample(name, value=name) for name in ("boefje", "normalizer", "report")],
)


SIZES_ESTIMATED = OpenApiParameter(
    COUNT_ESTIMATED_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    response=[200],
    description=(
        "The schedulers (comma-separated) whose queue size is PostgreSQL's estimate: more tasks are queued than "
        "are counted exactly (10,000 by default). Absent when every size is exact."
    ),
)


def _overview(scheduler: Scheduler, sizes: dict[str, Counted], scope: OrganisationScope) -> dict:
    # Counted over the caller's organisations only: a queue size must not tell of tasks they may not see.
    last_activity = selectors.last_activity(scheduler.pk, scope=scope)
    size = sizes.get(scheduler.pk)
    return scheduler_json(scheduler, qsize=size.value if size else 0, last_activity=last_activity)


def sized_response(body: object, sizes: dict[str, Counted]) -> Response:
    """The body, with X-Count-Estimated naming the schedulers whose queue size is an estimate (absent: all exact).

    The body keeps OpenKAT's shape; the header is how a client tells an estimate (rocky_scheduler.counting)."""
    response = Response(body)
    estimated = selectors.estimated_header(sizes)
    if estimated:
        response[COUNT_ESTIMATED_HEADER] = estimated
    return response


class SchedulerListView(SchedulerApiView):
    @extend_schema(
        parameters=[SIZES_ESTIMATED],
        responses={200: SchedulerSerializer(many=True), **errors(*AUTHENTICATED)},
        summary="All schedulers with their queue size",
        description="Every scheduler (one per task type by default), with its queue's size and settings.",
    )
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        sizes = selectors.queue_size_counts(scope=scope)
        return sized_response([_overview(scheduler, sizes, scope) for scheduler in Scheduler.objects.all()], sizes)


class SchedulerDetailView(SchedulerApiView):
    def get_permissions(self) -> "Sequence[_SupportsHasPermission]":
        if self.request.method == "PATCH":
            return [StaffOnly()]
        return super().get_permissions()

    @extend_schema(
        parameters=[SCHEDULER_ID, SIZES_ESTIMATED],
        responses={200: SchedulerSerializer, **errors(*AUTHENTICATED, missing="scheduler")},
        summary="One scheduler",
        description="The scheduler's type, queue size, last activity and settings (maxsize, paused, ranker).",
    )
    def get(self, request: Request, scheduler_id: str) -> Response:
        scheduler = get_scheduler(scheduler_id)
        scope = request_scope(request)
        sizes = _one(selectors.queue_size_counts(scope=scope), scheduler.pk)
        return sized_response(_overview(scheduler, sizes, scope), sizes)

    @extend_schema(
        parameters=[SCHEDULER_ID],
        request=SchedulerPatchSerializer,
        responses={200: SchedulerSerializer, **errors(*WITH_BODY, missing="scheduler")},
        summary="Staff: queue settings",
        description=(
            "For staff with the change_scheduler permission: pause or resume the scheduler (a paused one pops "
            "nothing), bound its queue (maxsize, 0 for none), choose its ranker, switch deduplication. The change "
            "is in the scheduler's history."
        ),
    )
    def patch(self, request: Request, scheduler_id: str) -> Response:
        get_scheduler(scheduler_id)
        changes = self.validated(SchedulerPatchSerializer, self.body())
        if not changes:
            raise InvalidInput("Nothing to change: give maxsize, paused, ranker or deduplicate.", field="body")
        scheduler = scheduler_configure(scheduler_id=scheduler_id, actor=actor_of(request), **changes)
        scope = request_scope(request)
        sizes = _one(selectors.queue_size_counts(scope=scope), scheduler.pk)
        return sized_response(_overview(scheduler, sizes, scope), sizes)


def _one(sizes: dict[str, Counted], scheduler_id: str) -> dict[str, Counted]:
    # A one-scheduler answer names only its own queue in the header.
    return {key: value for key, value in sizes.items() if key == scheduler_id}


class PushView(SchedulerApiView):
    required_permissions = {"POST": ("push_task",)}

    @extend_schema(
        parameters=[SCHEDULER_ID],
        request=PushSerializer,
        responses={
            201: TaskSerializer,
            **errors(
                *WITH_BODY,
                409,
                429,
                _403="The token's user lacks push_task (role worker or analyst).",
                missing="scheduler",
                _409="The same work (same hash) is already queued, or its schedule's task is running.",
            ),
        },
        examples=[
            *PUSH_EXAMPLES,
            OpenApiExample(
                "Queued",
                value={**EXAMPLE_TASK, "status": "queued", "modified_at": EXAMPLE_TASK["created_at"]},
                response_only=True,
                status_codes=["201"],
            ),
        ],
        summary="Queue a task",
        description=(
            "Queues one task on the scheduler. `data` takes the shape of the scheduler's task type: BoefjeTask, "
            "NormalizerTask or ReportTask (see the schemas; unknown keys are kept). Without `priority` the "
            "scheduler's ranker sets it. The answer is the task as a worker will pop it, status `queued`. The "
            "same work queued twice is refused (409) unless the scheduler merges duplicates."
        ),
    )
    def post(self, request: Request, scheduler_id: str) -> Response:
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
        responses={
            200: PopResultSerializer,
            **errors(*WITH_BODY, _403="The token's user lacks pop_task (role worker).", missing="scheduler"),
        },
        examples=[
            OpenApiExample(
                "A boefje task", value={"results": [EXAMPLE_TASK]}, response_only=True, status_codes=["200"]
            ),
            OpenApiExample(
                "Only tasks of one organisation",
                value={"filters": {"filters": [{"column": "organisation", "operator": "eq", "value": "acme"}]}},
                request_only=True,
            ),
        ],
        parameters=[
            SCHEDULER_ID,
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
            "For a boefje runner: takes the best queued tasks (lowest priority, then oldest) that match the "
            "optional filters and marks them `dispatched`; each is then yours to report on with PATCH "
            "/tasks/{task_id} (`running`, then `completed` or `failed`). No task queued: `results` is empty. "
            "When the best task carries `data.deduplication_key`, the answer is the queued tasks sharing that key "
            "(up to `limit`) and nothing else; otherwise only tasks without a key."
        ),
    )
    def post(self, request: Request, scheduler_id: str) -> Response:
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
    @extend_schema(
        parameters=[SIZES_ESTIMATED],
        responses={200: QueueSerializer(many=True), **errors(*AUTHENTICATED)},
        summary="Queue sizes",
        description="How many tasks each scheduler has queued (OpenKAT's queue list).",
    )
    def get(self, request: Request) -> Response:
        sizes = selectors.queue_size_counts(scope=request_scope(request))
        return sized_response([{"id": key, "size": size.value} for key, size in sizes.items()], sizes)


class QueueDetailView(SchedulerApiView):
    @extend_schema(
        parameters=[SCHEDULER_ID, SIZES_ESTIMATED],
        responses={200: QueueSerializer, **errors(*AUTHENTICATED, missing="scheduler")},
        summary="One queue's size",
        description="How many tasks this scheduler has queued.",
    )
    def get(self, request: Request, scheduler_id: str) -> Response:
        scheduler = get_scheduler(scheduler_id)
        sizes = _one(selectors.queue_size_counts(scope=request_scope(request)), scheduler.pk)
        size = sizes.get(scheduler.pk)
        return sized_response({"id": scheduler.pk, "size": size.value if size else 0}, sizes)
