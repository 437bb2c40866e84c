"""Request bodies (validated here) and response shapes: the one definition of each JSON shape the API writes.

The response serializers (TaskSerializer, ScheduleSerializer, SchedulerSerializer) give the OpenAPI schema
and, through `api.representations.writer_for`, the JSON itself: a field added here is written and documented.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rocky_scheduler.api.task_data import TaskDataField
from rocky_scheduler.models import TaskStatus

TASK_PATCH_UNKNOWN_FIELD = _("Unknown field {field!r}: give status, priority and/or reason.")
# A worker's reason is usually an exception message; a whole traceback belongs in its logs, not the history.
REASON_MAX_LENGTH = 2000
MUST_BE_STRING = _("Must be a string.")
# The fields named `data` and `errors` below are the API's JSON keys. DRF's metaclass takes declared fields out of
# the class, so Serializer.data and .errors still work; the stubs see a field shadowing them, hence each field's
# `type: ignore[assignment]`.


class StringField(serializers.CharField):
    """A CharField that takes only JSON strings: DRF's would store `"organisation": 5` as "5"."""

    default_error_messages = {"not_a_string": MUST_BE_STRING}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class PushSerializer(serializers.Serializer):
    """Also takes a whole Task JSON: its read-only fields (status, hash, ...) are ignored."""

    id = serializers.UUIDField(required=False, allow_null=True, help_text="The task's id; a new one when absent.")
    scheduler_id = StringField(required=False, allow_null=True, help_text="If given, the scheduler of the path.")
    organisation = StringField(max_length=255, help_text="The organisation's code, e.g. `acme`.")
    priority = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Lower goes first; 1 is a user's request and is queued even on a full queue. "
        "Absent: the scheduler's ranker decides.",
    )
    data = TaskDataField(help_text="The work, in the shape of the scheduler's task type.")  # type: ignore[assignment]


class PopSerializer(serializers.Serializer):
    filters = serializers.JSONField(required=False, allow_null=True)


class TaskPatchSerializer(serializers.Serializer):
    """A status and/or priority change, with the reason for it (kept in the task's history).

    A whole Task JSON is accepted as on push: its read-only fields are ignored. Any other field is
    refused by name, so a misspelt `reason` or `status` is not silently dropped.
    """

    IGNORED_FIELDS = frozenset(
        ("id", "scheduler_id", "schedule_id", "organisation", "type", "hash", "data", "created_at", "modified_at")
    )

    status = serializers.ChoiceField(choices=TaskStatus.values, required=False)
    priority = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, trim_whitespace=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields) - self.IGNORED_FIELDS)
        if unknown:
            raise serializers.ValidationError({unknown[0]: TASK_PATCH_UNKNOWN_FIELD.format(field=unknown[0])})
        return attrs


class SchedulerPatchSerializer(serializers.Serializer):
    maxsize = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    paused = serializers.BooleanField(required=False)
    ranker = serializers.CharField(required=False, max_length=255)
    deduplicate = serializers.BooleanField(required=False)


class ScheduleCreateSerializer(serializers.Serializer):
    scheduler_id = StringField(max_length=64)
    organisation = StringField(max_length=255)
    data = TaskDataField()  # type: ignore[assignment]
    schedule = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    deadline_at = serializers.DateTimeField(required=False, allow_null=True)
    enabled = serializers.BooleanField(required=False, default=True)


class SchedulePatchSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    schedule = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    deadline_at = serializers.DateTimeField(required=False, allow_null=True)
    data = TaskDataField(required=False)  # type: ignore[assignment]


class TaskSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    scheduler_id = serializers.CharField()
    schedule_id = serializers.UUIDField(allow_null=True)
    organisation = serializers.CharField()
    priority = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TaskStatus.values)
    type = serializers.CharField()
    hash = serializers.CharField()
    data = TaskDataField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    modified_at = serializers.DateTimeField()


class PopResultSerializer(serializers.Serializer):
    results = TaskSerializer(many=True)


class TaskPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TaskSerializer(many=True)


class ScheduleSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    scheduler_id = serializers.CharField()
    organisation = serializers.CharField()
    hash = serializers.CharField()
    data = TaskDataField()  # type: ignore[assignment]
    enabled = serializers.BooleanField()
    schedule = serializers.CharField(allow_null=True)
    deadline_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    modified_at = serializers.DateTimeField()


class SchedulePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ScheduleSerializer(many=True)


class SchedulerSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    item_type = serializers.CharField()
    qsize = serializers.IntegerField()
    last_activity = serializers.DateTimeField(allow_null=True)
    maxsize = serializers.IntegerField()
    paused = serializers.BooleanField()
    ranker = serializers.CharField()
    allow_replace = serializers.BooleanField()
    allow_updates = serializers.BooleanField()
    allow_priority_updates = serializers.BooleanField()
    deduplicate = serializers.BooleanField()


class QueueSerializer(serializers.Serializer):
    id = serializers.CharField()
    size = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    """Every error answer."""

    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    field = serializers.CharField(required=False, help_text="The field or parameter at fault, when there is one.")
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Per-field messages, when the body had several faults."
    )
