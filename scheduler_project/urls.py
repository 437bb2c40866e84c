from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from rocky_scheduler.api.views.root import ApiRootView

# The standalone admin has no sidebar of every model: at 1280 px it takes a quarter of the width the task
# and schedule lists need; the index page and the breadcrumbs lead to the same places.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # The standalone server's front door (and the admin's "View site") is the queue dashboard.
    path("", RedirectView.as_view(pattern_name="rocky_scheduler_dashboard:index", permanent=False)),
    path("admin/", admin.site.urls),
    # The prefix without its slash is the API's root too (the include only sees paths after the slash).
    path("api/v1", ApiRootView.as_view()),
    path("api/v1/", include("rocky_scheduler.urls")),
    path("dashboard", include("rocky_scheduler.dashboard_urls")),
]
