from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST

from rocky_scheduler.api.schema import extend_schema
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.conf import app_settings
from rocky_scheduler.metrics import render_metrics


class MetricsView(SchedulerApiView):
    @extend_schema(responses={(200, "text/plain"): str}, summary="Prometheus metrics")
    def get(self, request):
        return HttpResponse(render_metrics(app_settings.PROMETHEUS_MULTIPROC_DIR), content_type=CONTENT_TYPE_LATEST)
