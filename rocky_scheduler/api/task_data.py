"""The OpenAPI description of a task's `data`, per task type, with examples a worker author can send as they are.

The shapes are OpenKAT's BoefjeTask, NormalizerTask and ReportTask. What each marks required is what
rocky_scheduler/taskdata.py refuses a push without (tests/api/test_openapi_docs.py holds the two together);
the other fields are what OpenKAT's boefje runner and Rocky read. Keys not described here are kept as sent.
"""

from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

# The demo catalogue's (`manage.py seed_demo`): an organisation, a boefje and the normalizer of its output.
EXAMPLE_ORGANISATION = "acme"
EXAMPLE_BOEFJE = {"id": "dns-records", "version": "1.0"}
EXAMPLE_OOI = "Hostname|internet|example.com"
EXAMPLE_TASK_ID = "1f6e4c8a-2b7d-4e1a-9c3f-5d8b7a6e4f21"

BOEFJE_DATA = {"boefje": EXAMPLE_BOEFJE, "input_ooi": EXAMPLE_OOI, "organization": EXAMPLE_ORGANISATION}
NORMALIZER_DATA = {
    "normalizer": {"id": "kat_dns_normalize", "version": "1.0"},
    "raw_data": {
        "id": "8b1c2f4e-6a3d-4f7b-9e2a-0c5d7f1b3a94",
        "boefje_meta": {
            "id": "3c9a7e1f-5b2d-4c8e-a6f0-2d4b8e9c1a73",
            "boefje": EXAMPLE_BOEFJE,
            "input_ooi": EXAMPLE_OOI,
            "arguments": {},
            "organization": EXAMPLE_ORGANISATION,
            "started_at": "2026-01-05T10:00:00Z",
            "ended_at": "2026-01-05T10:00:04Z",
        },
        "mime_types": [{"value": "boefje/dns-records"}],
    },
}
REPORT_DATA = {"report_recipe_id": "6d2e9b4a-1c7f-4a3e-8b5d-9f0e2c6a7b18", "organisation_id": EXAMPLE_ORGANISATION}

# Which scheduler takes which `data`: the default schedulers are named after their task type.
DATA_BY_SCHEDULER = {"boefje": BOEFJE_DATA, "normalizer": NORMALIZER_DATA, "report": REPORT_DATA}

PUSH_EXAMPLES = [
    OpenApiExample(
        f"{task_type.capitalize()} task",
        summary=f"A {task_type} task (scheduler_id `{task_type}`)",
        value={"organisation": EXAMPLE_ORGANISATION, "data": data},
        request_only=True,
    )
    for task_type, data in DATA_BY_SCHEDULER.items()
]

EXAMPLE_TASK = {
    "id": EXAMPLE_TASK_ID,
    "scheduler_id": "boefje",
    "schedule_id": "0a7d3f5e-9c1b-4e6a-b2d8-4f7e1c9a3b65",
    "organisation": EXAMPLE_ORGANISATION,
    "priority": 2,
    "status": "dispatched",
    "type": "boefje",
    "hash": "4fdaa0e62b9429afdd7dbba03391daa9",
    "data": {**BOEFJE_DATA, "id": EXAMPLE_TASK_ID},
    "created_at": "2026-01-05T10:00:00.698239+00:00",
    "modified_at": "2026-01-05T10:00:00.854119+00:00",
}


class PluginSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The plugin's id in the catalogue (KATalogus).")
    name = serializers.CharField(required=False, allow_null=True)
    version = serializers.CharField(required=False, allow_null=True)


class BoefjeSerializer(PluginSerializer):
    pass


class NormalizerSerializer(PluginSerializer):
    pass


class BoefjeTaskSerializer(serializers.Serializer):
    """`data` of a task on a boefje scheduler: which boefje to run on which object, for which organisation."""

    id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Set by the scheduler to the task's own id (the runner's job id)."
    )
    boefje = BoefjeSerializer()
    input_ooi = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="The primary key of the object to scan; null if the boefje takes none.",
    )
    organization = serializers.CharField(
        required=False, help_text="OpenKAT's spelling; defaults to the task's `organisation` and must equal it."
    )
    deduplication_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Tasks sharing it are popped together (one run for several organisations).",
    )


class BoefjeMetaSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The id of the boefje run that produced the raw file.")
    boefje = BoefjeSerializer(help_text="The boefje that produced the raw file.")
    input_ooi = serializers.CharField(required=False, allow_null=True)
    arguments = serializers.DictField(required=False, help_text="Defaults to {}.")
    organization = serializers.CharField(
        required=False, help_text="Defaults to the task's `organisation` and must equal it."
    )
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    ended_at = serializers.DateTimeField(required=False, allow_null=True)


class MimeTypeSerializer(serializers.Serializer):
    value = serializers.CharField()


class RawDataSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The raw file's id in Bytes.")
    boefje_meta = BoefjeMetaSerializer()
    mime_types = MimeTypeSerializer(many=True, required=False, help_text="Defaults to [].")


class NormalizerTaskSerializer(serializers.Serializer):
    """`data` of a task on a normalizer scheduler: which normalizer to run on which raw file."""

    id = serializers.UUIDField(required=False, allow_null=True, help_text="Set by the scheduler to the task's own id.")
    normalizer = NormalizerSerializer()
    raw_data = RawDataSerializer()


class ReportTaskSerializer(serializers.Serializer):
    """`data` of a task on a report scheduler: which report recipe to run for which organisation."""

    report_recipe_id = serializers.CharField(help_text="The report recipe's id (Rocky reads it as a string).")
    organisation_id = serializers.CharField(
        required=False, help_text="Defaults to the task's `organisation` and must equal it."
    )


TASK_DATA = PolymorphicProxySerializer(
    component_name="TaskData",
    serializers=[BoefjeTaskSerializer, NormalizerTaskSerializer, ReportTaskSerializer],
    # The scheduler's type decides the shape (the task's `type`), not a field inside `data`.
    resource_type_field_name=None,
)


@extend_schema_field(TASK_DATA)
class TaskDataField(serializers.JSONField):
    """Any JSON object, validated per task type by the push itself; described as one of the three shapes."""
