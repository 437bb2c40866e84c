from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from rocky_scheduler import __version__
from rocky_scheduler.api.views.base import SchedulerApiView


class HealthView(SchedulerApiView):
    """Liveness for load balancers: public, says only whether the database answers."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(summary="Health of the scheduler and its database", responses={200: dict, 503: dict})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database_ok = True
        except Exception:  # any failure to reach the database makes us unhealthy, not a 500
            database_ok = False
        return Response(
            {
                "service": "scheduler",
                "healthy": database_ok,
                "version": __version__,
                "additional": None,
                "results": [{"service": "database", "healthy": database_ok}],
                "externals": {"database": database_ok},
            },
            status=200 if database_ok else 503,
        )
