"""JSON shapes of the API (DESIGN.md "HTTP API"): written by fast functions built from the response serializers.

The serializers in `api.serializers` are the one definition of each shape (names, order, types, nullability);
drf-spectacular documents them. Running a DRF serializer per task would cost several times the writing
itself on the hot path (pop, list), so each shape's writer is built once from its serializer's fields:
one attribute read for all fields and a converter for the few that need one.
"""

import datetime
import operator
from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from rocky_scheduler.api.serializers import SchedulerSerializer, ScheduleSerializer, TaskSerializer
from rocky_scheduler.models import Schedule, Scheduler, Task

Writer = Callable[[Any, dict[str, Any]], dict[str, Any]]


def iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _text_or_none(value: Any) -> str | None:
    # A UUID as its text; a null foreign key (a task without a schedule) stays null.
    return str(value) if value else None


def _converter(field: serializers.Field) -> Callable[[Any], Any] | None:
    """How a model value becomes JSON for `field`'s type; None where it already is JSON."""
    if isinstance(field, serializers.DateTimeField):
        return iso
    if isinstance(field, serializers.UUIDField):
        return _text_or_none
    return None


def writer_for(serializer_class: type[serializers.Serializer], extras: tuple[str, ...] = ()) -> Writer:
    """A function (instance, extras) -> the JSON dict of `serializer_class`'s shape, in its field order.

    The fields named in `extras` are values the model does not carry (a scheduler's queue size), given
    with each call; every other field is the instance's attribute of the field's `source`.
    """
    fields = serializer_class().get_fields()
    names = tuple(fields)
    # One attrgetter call reads every attribute (an extra reads the instance's pk as a placeholder).
    sources = ["pk" if name in extras else (field.source or name) for name, field in fields.items()]
    read = operator.attrgetter(*sources)
    extra_at = [(index, name) for index, name in enumerate(names) if name in extras]
    converted = [(index, convert) for index, field in enumerate(fields.values()) if (convert := _converter(field))]

    def write(instance: Any, given: dict[str, Any]) -> dict[str, Any]:
        values = list(read(instance))
        for index, name in extra_at:
            values[index] = given[name]
        for index, convert in converted:
            values[index] = convert(values[index])
        return dict(zip(names, values, strict=True))

    return write


_write_task = writer_for(TaskSerializer)
_write_schedule = writer_for(ScheduleSerializer)
_write_scheduler = writer_for(SchedulerSerializer, extras=("qsize", "last_activity"))
_NO_EXTRAS: dict[str, Any] = {}


def task_json(task: Task) -> dict[str, Any]:
    return _write_task(task, _NO_EXTRAS)


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    return _write_schedule(schedule, _NO_EXTRAS)


def scheduler_json(scheduler: Scheduler, *, qsize: int, last_activity: datetime.datetime | None) -> dict[str, Any]:
    return _write_scheduler(scheduler, {"qsize": qsize, "last_activity": last_activity})
