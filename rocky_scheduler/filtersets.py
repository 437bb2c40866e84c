"""The list endpoints' query parameters (OpenKAT's names) as django-filter FilterSets.

Each parameter is a declared filter: the field it narrows and how. A value that does not parse is refused
with InvalidInput (a 400 whose `detail` names the parameter) and a scheduler_id naming no scheduler with
NotFound (a 404), exactly as the scheduler's own paths answer; an absent or empty parameter narrows nothing.
The JSON filter language of a request body is a different thing: `rocky_scheduler.filters`.
"""

import datetime
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import UNKNOWN_SCHEDULER, InvalidInput, NotFound
from rocky_scheduler.models import Schedule, Scheduler, Task, TaskStatus

DATETIME_INVALID = _("{name} must be an ISO 8601 date-time, got {value!r}.")
STATUS_UNKNOWN = _("status must be one of {choices}, got {value!r}.")
BOOLEAN_INVALID = _("{name} must be true or false, got {value!r}.")


def known_scheduler(scheduler_id: str) -> str:
    """`scheduler_id` if a scheduler has it; a filter on one that does not is a 404, as its own paths are."""
    if not Scheduler.objects.filter(pk=scheduler_id).exists():
        raise NotFound(UNKNOWN_SCHEDULER.format(scheduler_id=scheduler_id), field="scheduler_id")
    return scheduler_id


def parse_time(name: str, value: Any) -> datetime.datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        # Well-formed but impossible (month 13, hour 99): Django raises rather than returning None.
        parsed = None
    if parsed is None:
        raise InvalidInput(DATETIME_INVALID.format(name=name, value=value), field=name)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise InvalidInput(BOOLEAN_INVALID.format(name=name, value=value), field=name)


def parse_status(name: str, value: str) -> str:
    if value not in TaskStatus.values:
        raise InvalidInput(STATUS_UNKNOWN.format(choices=", ".join(TaskStatus.values), value=value), field=name)
    return value


class ParsedField(forms.CharField):
    """A query parameter read by one of the parsers above, so a bad value gets the API's own message.

    The parser raises InvalidInput, not a form ValidationError: it passes through the FilterSet's form
    to the API's error handler (400, `detail`, `field`) instead of becoming a generic form error.
    """

    def __init__(self, *, parse: Callable[[str, str], Any], parameter: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parse = parse
        self.parameter = parameter

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return self.parse(self.parameter, text) if text else None


class ParsedFilter(django_filters.Filter):
    field_class = ParsedField

    def __init__(self, parameter: str, parse: Callable[[str, str], Any], **kwargs: Any) -> None:
        # `strip=False`: the value is compared as sent, as it was before the FilterSets.
        super().__init__(parse=parse, parameter=parameter, strip=False, **kwargs)


class SchedulerFilter(django_filters.CharFilter):
    """scheduler_id: a 404 when it names no scheduler, as the scheduler's own paths answer."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(scheduler_id=known_scheduler(value)) if value else qs


class QueryFilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per class: django-filter builds it on every request (a new
    field per filter, each with a generated label), a third of a list request's filtering time."""

    _form_classes: dict[type, type[forms.Form]] = {}

    def get_form_class(self) -> type[forms.Form]:
        form_class = self._form_classes.get(type(self))
        if form_class is None:
            form_class = self._form_classes[type(self)] = super().get_form_class()
        return form_class


class TaskFilter(QueryFilterSet):
    scheduler_id = SchedulerFilter(strip=False)
    organisation = django_filters.CharFilter(field_name="organisation", strip=False)
    # OpenKAT's older spellings of organisation and task_type, still sent by some clients.
    organisation_id = django_filters.CharFilter(field_name="organisation", strip=False)
    task_type = django_filters.CharFilter(field_name="type", strip=False)
    type = django_filters.CharFilter(field_name="type", strip=False)
    status = ParsedFilter("status", parse_status, field_name="status")
    input_ooi = django_filters.CharFilter(field_name="data__input_ooi", strip=False)
    plugin_id = django_filters.CharFilter(method="filter_plugin", strip=False)
    min_created_at = ParsedFilter("min_created_at", parse_time, field_name="created_at", lookup_expr="gte")
    max_created_at = ParsedFilter("max_created_at", parse_time, field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_plugin(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A boefje task names its plugin under data.boefje, a normaliser task under data.normalizer.
        return queryset.filter(Q(data__boefje__id=value) | Q(data__normalizer__id=value))


class ScheduleFilter(QueryFilterSet):
    scheduler_id = SchedulerFilter(strip=False)
    organisation = django_filters.CharFilter(field_name="organisation", strip=False)
    enabled = ParsedFilter("enabled", parse_bool, field_name="enabled")
    schedule_hash = django_filters.CharFilter(field_name="hash", strip=False)
    hash = django_filters.CharFilter(field_name="hash", strip=False)
    min_deadline_at = ParsedFilter("min_deadline_at", parse_time, field_name="deadline_at", lookup_expr="gte")
    max_deadline_at = ParsedFilter("max_deadline_at", parse_time, field_name="deadline_at", lookup_expr="lte")
    min_created_at = ParsedFilter("min_created_at", parse_time, field_name="created_at", lookup_expr="gte")
    max_created_at = ParsedFilter("max_created_at", parse_time, field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Schedule
        fields: list[str] = []


def filtered(filterset_class: type[QueryFilterSet], params: Any, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed by the query parameters `params` (a QueryDict or a plain dict)."""
    filterset = filterset_class(data=params, queryset=queryset)
    # Every refusal is raised by a parser as InvalidInput/NotFound; a form error left here would be ours.
    if not filterset.is_valid():
        name, messages = next(iter(filterset.errors.items()))
        raise InvalidInput(f"{name}: {' '.join(messages)}", field=name)
    return filterset.qs
