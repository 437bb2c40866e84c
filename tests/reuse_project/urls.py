"""Rocky-like URLs: the scheduler API under Rocky's prefix, the admin under another name, the dashboard mounted
with a trailing slash (as Rocky's pages are written)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from rocky_scheduler.api.views.root import ApiRootView


def rocky_home(request):
    return HttpResponse("rocky")


def host_urls(dashboard_mount: str) -> list:
    return [
        path("", rocky_home),
        path("beheer/", admin.site.urls),
        path("scheduler/api/v1", ApiRootView.as_view()),
        path("scheduler/api/v1/", include("rocky_scheduler.urls")),
        path(dashboard_mount, include("rocky_scheduler.dashboard_urls")),
    ]


urlpatterns = host_urls("scheduler/dashboard/")
