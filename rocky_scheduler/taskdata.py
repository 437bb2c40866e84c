"""Validation of a task's `data` per task type, and its dedup identity.

The shapes follow OpenKAT's BoefjeTask, NormalizerTask and ReportTask. Unknown keys
are kept as they are (workers may need them); required keys must be present and typed.
"""

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.hashing import digest
from rocky_scheduler.models import TaskType

MUST_BE_OBJECT = _("{path} must be a JSON object.")
MUST_BE_STRING = _("{path} must be a non-empty string.")
MUST_BE_STRING_OR_NULL = _("{path} must be a string or null.")
MUST_BE_UUID = _("{path} must be a UUID.")
ORGANISATION_MISMATCH = _("{path} ({given!r}) does not match organisation {expected!r}.")
ORGANISATION_REQUIRED = _("organisation must be a non-empty string.")
DEDUPLICATION_KEY_INVALID = _("data.deduplication_key must be a UUID or null.")


@dataclass(frozen=True)
class ValidatedData:
    data: dict[str, Any]
    identity: str
    # Boefje tasks that share it are one run for several organisations (popped together).
    deduplication_key: uuid.UUID | None = None

    @cached_property
    def hash(self) -> str:
        # Asked several times per task on the rescheduler's path (a digest each time was 4 % of it).
        return digest(self.identity)


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(MUST_BE_OBJECT.format(path=path), field=path)
    return value


def _string(container: dict[str, Any], key: str, path: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInput(MUST_BE_STRING.format(path=path), field=path)
    return value


def _uuid(container: dict[str, Any], key: str, path: str) -> str:
    value = container.get(key)
    try:
        return str(uuid.UUID(value if isinstance(value, str) else ""))
    except ValueError:
        raise InvalidInput(MUST_BE_UUID.format(path=path), field=path) from None


def _check_organisation(given: str | None, expected: str, path: str) -> None:
    if given is not None and given != expected:
        raise InvalidInput(ORGANISATION_MISMATCH.format(path=path, given=given, expected=expected), field=path)


def _boefje(data: dict[str, Any], organisation: str) -> str:
    boefje = _object(data.get("boefje"), "data.boefje")
    boefje_id = _string(boefje, "id", "data.boefje.id")
    input_ooi = data.get("input_ooi")
    if input_ooi is not None and not isinstance(input_ooi, str):
        raise InvalidInput(MUST_BE_STRING_OR_NULL.format(path="data.input_ooi"), field="data.input_ooi")
    organization = data.get("organization")
    if organization is None:
        data["organization"] = organisation
    elif not isinstance(organization, str):
        raise InvalidInput(MUST_BE_STRING.format(path="data.organization"), field="data.organization")
    _check_organisation(data["organization"], organisation, "data.organization")
    if input_ooi:
        return f"{input_ooi}-{boefje_id}-{organisation}"
    return f"{boefje_id}-{organisation}"


def _normalizer(data: dict[str, Any], organisation: str) -> str:
    normalizer = _object(data.get("normalizer"), "data.normalizer")
    normalizer_id = _string(normalizer, "id", "data.normalizer.id")
    raw_data = dict(_object(data.get("raw_data"), "data.raw_data"))
    boefje_meta = dict(_object(raw_data.get("boefje_meta"), "data.raw_data.boefje_meta"))
    # Both clients parse these ids as UUIDs, and Rocky requires the boefje's arguments (Bytes always sends them):
    # a task they could not read would break every pop or task page it is in.
    _uuid(raw_data, "id", "data.raw_data.id")
    meta_id = _uuid(boefje_meta, "id", "data.raw_data.boefje_meta.id")
    # The runner also needs the boefje that made the file, the organisation and the mime types (a list).
    _string(
        _object(boefje_meta.get("boefje"), "data.raw_data.boefje_meta.boefje"),
        "id",
        "data.raw_data.boefje_meta.boefje.id",
    )
    boefje_meta.setdefault("arguments", {})
    boefje_meta.setdefault("organization", organisation)
    raw_data.setdefault("mime_types", [])
    raw_data["boefje_meta"] = boefje_meta
    data["raw_data"] = raw_data
    organization = boefje_meta.get("organization")
    if not isinstance(organization, str):
        raise InvalidInput(
            MUST_BE_STRING.format(path="data.raw_data.boefje_meta.organization"),
            field="data.raw_data.boefje_meta.organization",
        )
    _check_organisation(organization, organisation, "data.raw_data.boefje_meta.organization")
    return f"{normalizer_id}-{meta_id}-{organisation}"


def _report(data: dict[str, Any], organisation: str) -> str:
    # Rocky parses the recipe id as a string: a number would break its task pages.
    recipe_id = _string(data, "report_recipe_id", "data.report_recipe_id")
    organisation_id = data.get("organisation_id")
    if organisation_id is None:
        data["organisation_id"] = organisation
    elif not isinstance(organisation_id, str):
        raise InvalidInput(MUST_BE_STRING.format(path="data.organisation_id"), field="data.organisation_id")
    _check_organisation(data["organisation_id"], organisation, "data.organisation_id")
    return f"{recipe_id}-{organisation}"


_IDENTITIES = {TaskType.BOEFJE: _boefje, TaskType.NORMALIZER: _normalizer, TaskType.REPORT: _report}


def validate_task_data(*, task_type: str, data: Any, organisation: Any) -> ValidatedData:
    """Check `data` for a task of `task_type`; return a copy and its dedup identity."""
    if not isinstance(organisation, str) or not organisation:
        raise InvalidInput(ORGANISATION_REQUIRED, field="organisation")
    copy = dict(_object(data, "data"))
    identity = _IDENTITIES[TaskType(task_type)](copy, organisation)
    key = _deduplication_key(copy) if task_type == TaskType.BOEFJE else None
    return ValidatedData(data=copy, identity=identity, deduplication_key=key)


def _deduplication_key(data: dict[str, Any]) -> uuid.UUID | None:
    value = data.get("deduplication_key")
    if value is None:
        return None
    try:
        key = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        key = None
    if key is None:
        raise InvalidInput(DEDUPLICATION_KEY_INVALID, field="data.deduplication_key")
    data["deduplication_key"] = str(key)
    return key
