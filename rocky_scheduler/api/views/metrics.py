from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework.request import Request

from rocky_scheduler.api.schema import AUTHENTICATED, errors, extend_schema
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.conf import app_settings
from rocky_scheduler.metrics import render_metrics


class MetricsView(SchedulerApiView):
    @extend_schema(
        responses={(200, "text/plain"): str, **errors(*AUTHENTICATED)},
        summary="Prometheus metrics",
        description="For Prometheus, in its text format: per scheduler, queue depth, oldest queued task, pushes, pops.",
    )
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(render_metrics(app_settings.PROMETHEUS_MULTIPROC_DIR), content_type=CONTENT_TYPE_LATEST)
