"""OpenKAT's page shape: `{count, next, previous, results}` with absolute links, `limit` and `offset`."""

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from rocky_scheduler.errors import InvalidInput

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
# PostgreSQL's OFFSET is a bigint: a larger value would be a database error, not an empty page.
MAX_OFFSET = 2**63 - 1
LIMIT_INVALID = _("limit must be an integer between 0 and {maximum}.")
OFFSET_INVALID = _("offset must be an integer between 0 and {maximum}.")


def _int_param(params: Mapping[str, Any], name: str, default: int, maximum: int | None, message: str) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(message, field=name) from None
    if value < 0 or (maximum is not None and value > maximum):
        raise InvalidInput(message, field=name)
    return value


def page_window(params: Mapping[str, Any]) -> tuple[int, int]:
    """`limit` and `offset` of a page request, checked: (DEFAULT_LIMIT, 0) when not given."""
    limit = _int_param(params, "limit", DEFAULT_LIMIT, MAX_LIMIT, LIMIT_INVALID.format(maximum=MAX_LIMIT))
    offset = _int_param(params, "offset", 0, MAX_OFFSET, OFFSET_INVALID.format(maximum=MAX_OFFSET))
    return limit, offset


def page_of(queryset: QuerySet, serialize: Callable[[Any], dict], *, limit: int, offset: int) -> dict[str, Any]:
    """One page without links (`next`, `previous` None); `limit=0` answers the count alone."""
    count = queryset.count()
    results = [serialize(item) for item in queryset[offset : offset + limit]] if limit else []
    return {"count": count, "next": None, "previous": None, "results": results}


def paginate(request: Request, queryset: QuerySet, serialize: Callable[[Any], dict]) -> dict[str, Any]:
    """`limit=0` answers the count alone."""
    limit, offset = page_window(request.query_params)
    page = page_of(queryset, serialize, limit=limit, offset=offset)
    if limit == 0:
        return page
    count = page["count"]
    url = request.build_absolute_uri()
    next_url = replace_query_param(url, "offset", offset + limit) if offset + limit < count else None
    if offset <= 0:
        previous_url = None
    elif offset - limit <= 0:
        previous_url = remove_query_param(url, "offset")
    else:
        previous_url = replace_query_param(url, "offset", offset - limit)
    if next_url:
        next_url = replace_query_param(next_url, "limit", limit)
    return {**page, "next": next_url, "previous": previous_url}
