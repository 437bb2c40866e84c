"""Rocky's call arguments as the API would receive them: pydantic objects as JSON, keyword arguments as a query."""

import datetime
import uuid
from collections.abc import Mapping
from enum import Enum
from typing import Any

from rest_framework.serializers import Serializer

from rocky_scheduler import errors as service_errors
from rocky_scheduler.api.pagination import page_of, page_window


def as_data(item: Any) -> dict[str, Any]:
    """A pydantic object as the JSON Rocky's client would send for it (its None fields left out, as Rocky does)."""
    if hasattr(item, "model_dump"):
        return item.model_dump(mode="json", exclude_none=True)
    if isinstance(item, Mapping):
        return dict(item)
    raise service_errors.InvalidInput(f"Expected a pydantic model or a mapping, got {type(item).__name__}.")


def validated(serializer_class: type[Serializer], data: dict[str, Any]) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def plain(value: Any) -> Any:
    """A keyword argument as the query string would carry it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def query_params(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The query parameters of Rocky's call: its None values dropped, the body (`filters`) apart."""
    return {key: str(plain(value)) for key, value in kwargs.items() if value is not None and key != "filters"}


def page(queryset: Any, serialize: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    limit, offset = page_window(query_params(kwargs))
    return page_of(queryset, serialize, limit=limit, offset=offset)
