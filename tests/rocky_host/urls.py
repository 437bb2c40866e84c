"""Rocky's URL layout (rocky/urls.py): its API under /api/v1/ outside the language prefix, its pages inside
i18n_patterns; plus the scheduler's two lines, taken from docs/rocky-integration.md."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from rest_framework import routers

from tests.rocky_host import views
from tests.support.doc_snippets import snippet

router = routers.SimpleRouter()
router.register("organization", views.OrganizationViewSet)
router.register("report", views.ReportViewSet, basename="report")

# The doc's blocks are written to be pasted into these two lists; each is one `path(...),` line.
scheduler_api = eval(snippet("urls-api"))  # noqa: S307 - the doc's own block
scheduler_pages = eval(snippet("urls-pages"))  # noqa: S307

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(router.urls)),
    *scheduler_api,
]
urlpatterns += i18n_patterns(
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("admin/", admin.site.urls),
    path("", views.landing_page, name="landing_page"),
    path("onboarding/", views.onboarding_page, name="onboarding"),
    *scheduler_pages,
)
