"""Map service errors and everything else a request can trip over to `{"detail": ...}` 4xx answers."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rocky_scheduler.catalogue.base import CatalogueUnavailable
from rocky_scheduler.errors import Conflict, InvalidInput, NotFound, QueueFull, SchedulerError

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying a duplicate, a full queue or while KATalogus or Octopoes is down.
RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = _("The database is unavailable; retry shortly.")
CATALOGUE_UNAVAILABLE = _("{service} is unavailable, so this request cannot be handled now; retry shortly.")
# How the services are called in messages people read.
SERVICE_NAMES = {"katalogus": "KATalogus", "octopoes": "Octopoes"}

_STATUS = {
    InvalidInput: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    QueueFull: status.HTTP_429_TOO_MANY_REQUESTS,
}


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Request body too large.")
    default_code = "payload_too_large"


def _status_for(error: SchedulerError) -> int:
    for error_class, code in _STATUS.items():
        if isinstance(error, error_class):
            return code
    return status.HTTP_400_BAD_REQUEST


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, SchedulerError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        response = Response(body, status=_status_for(exc))
        if response.status_code in (status.HTTP_409_CONFLICT, status.HTTP_429_TOO_MANY_REQUESTS):
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, (OperationalError, InterfaceError)) or type(exc) is DatabaseError:
        # PostgreSQL restarting or unreachable: say so and let the client retry; the next request reconnects.
        logger.warning("database unavailable during %s: %s", context.get("view").__class__.__name__, exc)
        response = Response({"detail": DATABASE_UNAVAILABLE}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, CatalogueUnavailable):
        # KATalogus or Octopoes did not answer (after the catalogue's own retries): nothing was changed
        # (the request's transaction rolled back), so the client may simply send it again.
        logger.warning("catalogue unavailable during %s: %s", context.get("view").__class__.__name__, exc)
        service = SERVICE_NAMES.get(exc.service, exc.service)
        response = Response(
            {"detail": CATALOGUE_UNAVAILABLE.format(service=service), "service": exc.service},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    handled = drf_exception_handler(exc, context)
    if handled is not None and isinstance(handled.data, dict) and "detail" not in handled.data:
        # Serializer errors: keep the per-field messages and add one readable line.
        handled.data = {"detail": summarise_errors(handled.data), "errors": handled.data}
    elif handled is not None and isinstance(handled.data, list):
        handled.data = {"detail": "; ".join(str(item) for item in handled.data)}
    return handled


def summarise_errors(errors: dict) -> str:
    parts = []
    for field, messages in errors.items():
        text = messages if isinstance(messages, str) else "; ".join(str(m) for m in messages)
        parts.append(f"{field}: {text}")
    return " ".join(parts)
