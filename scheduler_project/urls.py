from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("rocky_scheduler.urls")),
    path("dashboard", include("rocky_scheduler.dashboard_urls")),
]
