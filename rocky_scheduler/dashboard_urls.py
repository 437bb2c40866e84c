"""The dashboard's routes, for `path("dashboard", include("rocky_scheduler.dashboard_urls"))`.

The optional slash lets `/dashboard` and `/dashboard/` both answer without a redirect.
"""

from django.urls import re_path

from rocky_scheduler.dashboard.views import dashboard_data, dashboard_page

app_name = "rocky_scheduler_dashboard"

urlpatterns = [
    re_path(r"^/?$", dashboard_page, name="index"),
    re_path(r"^/data/?$", dashboard_data, name="data"),
]
