"""The same host with the dashboard mounted without a trailing slash: `path("scheduler/dashboard", ...)`."""

from tests.reuse_project.urls import host_urls

urlpatterns = host_urls("scheduler/dashboard")
