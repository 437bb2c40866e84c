"""The API's routes. Every path answers with and without a trailing slash, and never redirects
(a redirect would drop a POST body): the pattern itself makes the slash optional.

The prefix itself answers with links to the parts; every other path under it is a JSON 404
(the last pattern), whatever the method."""

from django.urls import URLPattern, re_path
from rest_framework.views import APIView

from rocky_scheduler.api.views.health import HealthView
from rocky_scheduler.api.views.ingest import (
    PluginEnablementIngestView,
    RawFileReceivedIngestView,
    ScanProfileMutationIngestView,
)
from rocky_scheduler.api.views.metrics import MetricsView
from rocky_scheduler.api.views.root import ApiNotFoundView, ApiRootView
from rocky_scheduler.api.views.schedulers import (
    PopView,
    PushView,
    QueueDetailView,
    QueueListView,
    SchedulerDetailView,
    SchedulerListView,
)
from rocky_scheduler.api.views.schedules import ScheduleDetailView, ScheduleListView, ScheduleSearchView
from rocky_scheduler.api.views.schema import DocsView, SchemaView
from rocky_scheduler.api.views.tasks import TaskDetailView, TaskListView, TaskStatsView

app_name = "rocky_scheduler"

ID = r"(?P<{}>[^/]+)"


def route(pattern: str, view: type[APIView], name: str) -> URLPattern:
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


urlpatterns = [
    re_path(r"^$", ApiRootView.as_view(), name="root"),
    route("health", HealthView, "health"),
    route("metrics", MetricsView, "metrics"),
    route("schedulers", SchedulerListView, "scheduler-list"),
    route(f"schedulers/{ID.format('scheduler_id')}", SchedulerDetailView, "scheduler-detail"),
    route(f"schedulers/{ID.format('scheduler_id')}/push", PushView, "scheduler-push"),
    route(f"schedulers/{ID.format('scheduler_id')}/pop", PopView, "scheduler-pop"),
    route("queues", QueueListView, "queue-list"),
    route(f"queues/{ID.format('scheduler_id')}", QueueDetailView, "queue-detail"),
    route("tasks", TaskListView, "task-list"),
    route("tasks/stats", TaskStatsView, "task-stats"),
    route(f"tasks/{ID.format('task_id')}", TaskDetailView, "task-detail"),
    route("schedules", ScheduleListView, "schedule-list"),
    route("schedules/search", ScheduleSearchView, "schedule-search"),
    route(f"schedules/{ID.format('schedule_id')}", ScheduleDetailView, "schedule-detail"),
    route("ingest/scan_profile_mutations", ScanProfileMutationIngestView, "ingest-scan-profile-mutations"),
    route("ingest/raw_file_received", RawFileReceivedIngestView, "ingest-raw-file-received"),
    route("ingest/plugin_enablements", PluginEnablementIngestView, "ingest-plugin-enablements"),
    route("schema", SchemaView, "schema"),
    route("docs", DocsView, "docs"),
    re_path(r"^.*$", ApiNotFoundView.as_view(), name="not-found"),
]
