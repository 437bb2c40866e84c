"""The dashboard's routes, for one `include("rocky_scheduler.dashboard_urls")` under any mount, with or without
a trailing slash: `path("dashboard", ...)` (the standalone project) and `path("scheduler/dashboard/", ...)`
(Rocky's pages) both work.

After a mount without the slash the rest of the path starts with one, after a mount with it it does not: the
optional `(?:/)?` takes both, and `/dashboard` and `/dashboard/` both answer without a redirect. (A bare `/?`
at the start would be Django's urls.W002.) Reversing gives no slash there, so links into the dashboard go
through `dashboard_url()` rather than a plain `reverse()`.
"""

from django.urls import re_path

from rocky_scheduler.dashboard.views import NAMESPACE, dashboard_data, dashboard_page

app_name = NAMESPACE

urlpatterns = [
    re_path(r"^(?:/)?$", dashboard_page, name="index"),
    re_path(r"^(?:/)?data/?$", dashboard_data, name="data"),
]
