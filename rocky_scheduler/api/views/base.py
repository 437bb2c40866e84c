from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework.authentication import BaseAuthentication
from rest_framework.metadata import SimpleMetadata
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from rocky_scheduler.api.authenticators import APP_AUTHENTICATION_CLASSES
from rocky_scheduler.api.errors import api_exception_handler
from rocky_scheduler.api.parsers import LimitedJSONParser
from rocky_scheduler.api.permissions import SchedulerApiPermission
from rocky_scheduler.errors import InvalidInput

BODY_NOT_OBJECT = _("The request body must be a JSON object.")
NUL_IN_REQUEST = _("The path and query parameters must not contain NUL characters.")


class SchedulerApiView(APIView):
    """Every API view: the app's authentication, its permissions, the JSON parser with its size limit, JSON
    answers, `{"detail"}` errors.

    Everything DRF would otherwise take from the host's REST_FRAMEWORK defaults is set here, so the app behaves
    the same inside Rocky's project (knox tokens and staff-only by default) as standalone.
    """

    # The scheduler's tokens, the host's API_AUTHENTICATION_CLASSES, the session: DRF's get_authenticators
    # iterates this on every request, and each iteration reads the setting (so override_settings works).
    authentication_classes: Sequence[type[BaseAuthentication]] = APP_AUTHENTICATION_CLASSES
    permission_classes = [SchedulerApiPermission]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    # A host's throttle rates are for its own users; a worker fleet pops far more often.
    throttle_classes = []
    content_negotiation_class = DefaultContentNegotiation
    metadata_class = SimpleMetadata
    versioning_class = None
    # drf-spectacular's, whatever the host's DEFAULT_SCHEMA_CLASS: the app's schema view needs it.
    schema = AutoSchema()
    # Model permissions (codenames in rocky_scheduler) a method needs beyond authentication.
    required_permissions: dict[str, tuple[str, ...]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # PostgreSQL cannot compare text with NUL in it; refuse it here rather than fail in a query.
        parts = [*kwargs.values(), *request.query_params.keys()]
        parts += [value for values in request.query_params.lists() for value in values[1]]
        if any("\x00" in str(part) for part in parts):
            raise InvalidInput(NUL_IN_REQUEST, field="query")

    def get_exception_handler(self) -> Callable[[Exception, dict], Response | None]:
        return api_exception_handler

    def body(self, *, allow_empty: bool = True) -> dict[str, Any]:
        data = self.request.data
        if data is None or (hasattr(data, "keys") and not data and allow_empty):
            return {}
        if not isinstance(data, dict):
            raise InvalidInput(BODY_NOT_OBJECT, field="body")
        return data

    def validated(self, serializer_class: type[Serializer], data: dict[str, Any]) -> dict[str, Any]:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
