"""Rocky-like URLs: the scheduler API under Rocky's prefix, the admin under another name."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from rocky_scheduler.api.views.root import ApiRootView


def rocky_home(request):
    return HttpResponse("rocky")


urlpatterns = [
    path("", rocky_home),
    path("beheer/", admin.site.urls),
    path("scheduler/api/v1", ApiRootView.as_view()),
    path("scheduler/api/v1/", include("rocky_scheduler.urls")),
]
