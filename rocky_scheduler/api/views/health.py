from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler import selectors
from rocky_scheduler.api.schema import extend_schema
from rocky_scheduler.api.views.base import SchedulerApiView


class HealthView(SchedulerApiView):
    """Liveness for load balancers: public, says only whether the database answers."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        summary="Health of the scheduler and its database",
        responses={200: dict, 503: dict},
        description="Public, for load balancers and OpenKAT's health page: 200 when the database answers, else 503.",
    )
    def get(self, request: Request) -> Response:
        health = selectors.service_health()
        return Response(health, status=200 if health["healthy"] else 503)
