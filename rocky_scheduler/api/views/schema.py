"""The API's OpenAPI document and its Swagger UI page, made from the app's own routes only.

drf-spectacular's stock views walk the host's whole URLconf (in Rocky: Rocky's API too, whose serializers
it cannot read, so the schema was a 500) and take the host's SPECTACULAR_SETTINGS and DRF defaults. These
views describe `rocky_scheduler.urls` alone, under the prefix the request came in through, with the app's
own title and hooks; drf_spectacular need not be in INSTALLED_APPS (its system check would walk the host's
URLs too). The docs page is a template with static scripts only: no inline script, nothing from a CDN, so it
runs under a CSP of `script-src 'self'`.
"""

import re

from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer
from drf_spectacular.settings import patched_settings
from rest_framework.permissions import AllowAny
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler.api.schema import SPECTACULAR, TITLE, extend_schema
from rocky_scheduler.api.views.base import SchedulerApiView

# The tail of the schema's own route in rocky_scheduler.urls; what precedes it is the mount prefix.
_SCHEMA_TAIL = re.compile(r"schema/?$")


class SchemaView(SchedulerApiView):
    """The OpenAPI document of this API (JSON with `?format=json`, YAML by default): public, like /health."""

    permission_classes = [AllowAny]
    renderer_classes = [OpenApiYamlRenderer, OpenApiJsonRenderer, OpenApiJsonRenderer2]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        from rocky_scheduler import urls  # the routes this view is one of

        prefix = _SCHEMA_TAIL.sub("", request.path).rstrip("/")
        # drf-spectacular's settings are one object for the process; its own views patch them per request the
        # same way (custom_settings), and the host's SPECTACULAR_SETTINGS are back when this block ends.
        with patched_settings({**SPECTACULAR, "SCHEMA_PATH_PREFIX_INSERT": prefix}):
            generator = SchemaGenerator(patterns=urls.urlpatterns)
            return Response(generator.get_schema(request=request, public=True))


class DocsView(SchedulerApiView):
    """Swagger UI for the document above: public, like the document."""

    permission_classes = [AllowAny]
    renderer_classes = [TemplateHTMLRenderer]
    template_name = "rocky_scheduler/api/docs.html"

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        match = request.resolver_match  # None only for a request that was not routed
        namespace = (match.namespace if match else "") or "rocky_scheduler"
        schema_url = reverse(f"{namespace}:schema", current_app=namespace) + "?format=json"
        return Response({"title": TITLE, "schema_url": schema_url})
