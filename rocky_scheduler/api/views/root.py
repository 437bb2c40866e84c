"""The API prefix itself: links to the API's parts; and the JSON 404 for every other path under it."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler.api.schema import extend_schema
from rocky_scheduler.api.views.base import SchedulerApiView

API_PATH_NOT_FOUND = _("Not found: {path} is not a path of this API.")
SERVICE = "scheduler"
# Link name -> URL name in rocky_scheduler.urls.
LINKS = {
    "schema": "schema",
    "docs": "docs",
    "health": "health",
    "metrics": "metrics",
    "schedulers": "scheduler-list",
    "queues": "queue-list",
    "tasks": "task-list",
    "schedules": "schedule-list",
}


class ApiRootView(SchedulerApiView):
    """Public like /health: it only names the parts, which the public schema describes anyway."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        summary="Links to the parts of the API",
        responses={200: dict},
        description="Public: the service's name and the addresses of the docs, schema, health and each resource.",
    )
    def get(self, request: Request) -> Response:
        # The namespace the request came in through, so the links follow the host's mount point; a host
        # may also route its prefix without the slash straight here, outside the include.
        match = request.resolver_match  # None only for a request that was not routed
        namespace = (match.namespace if match else "") or "rocky_scheduler"
        links = {
            link: request.build_absolute_uri(reverse(f"{namespace}:{name}", current_app=namespace))
            for link, name in LINKS.items()
        }
        return Response({"service": SERVICE, "links": links})


@method_decorator(csrf_exempt, name="dispatch")
class ApiNotFoundView(View):
    """Any method on a path the API does not have: a JSON 404, not the host project's HTML page.

    No authentication first: saying a path does not exist tells no one anything.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return JsonResponse({"detail": API_PATH_NOT_FOUND.format(path=request.path)}, status=404)
