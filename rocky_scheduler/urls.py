from django.urls import path  # noqa: F401 - the API routes arrive with the HTTP issue

app_name = "rocky_scheduler"
urlpatterns: list = []
