from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # The standalone server's front door (and the admin's "View site") is the queue dashboard.
    path("", RedirectView.as_view(pattern_name="rocky_scheduler_dashboard:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("rocky_scheduler.urls")),
    path("dashboard", include("rocky_scheduler.dashboard_urls")),
]
