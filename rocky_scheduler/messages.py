"""OpenKAT's message shapes (Octopoes' scan-profile mutations, Bytes' raw files), parsed strictly where we depend on a
field and loosely everywhere else. A neutral module: the AMQP consumer, the HTTP ingest endpoints and the scheduling
services all read these types, and none of them imports another for it.

Unknown fields are ignored (Octopoes and Bytes send more than we read).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput

NOT_AN_OBJECT = _("{path} must be a JSON object.")
NOT_A_STRING = _("{path} must be a non-empty string.")
NOT_A_LEVEL = _("{path} must be an integer scan level between 0 and 4.")
UNKNOWN_OPERATION = _("operation must be one of create, update, delete; got {value!r}.")
VALUE_REQUIRED = _("value is required for a {operation} mutation.")
NOT_A_LIST = _("{path} must be a list.")
TOO_LONG = _("{path} must be at most {maximum} characters.")
DESCHEDULE_WITHOUT_BOEFJE = _(
    "A raw file of mime type {mime_type} must name its boefje (raw_data.boefje_meta.boefje.id)."
)
INPUT_OOI_INVALID = _("raw_data.boefje_meta.input_ooi must be a string or null.")

# A boefje's "this object will never give results": the raw file holds its reason, not output to parse.
DESCHEDULE_MIME_TYPE = "openkat/deschedule"

OPERATIONS = ("create", "update", "delete")
# The columns these values are stored in (Organisation.code, Task.organisation, OOI.primary_key,
# OOI.object_type): a longer value would be a database error, not a refused message.
MAX_ORGANISATION = 255
MAX_PRIMARY_KEY = 1024
MAX_OBJECT_TYPE = 255


@dataclass(frozen=True)
class ScanProfileMutation:
    operation: str
    organisation: str
    primary_key: str
    object_type: str | None
    scan_level: int | None


@dataclass(frozen=True)
class RawFileReceived:
    organisation: str
    raw_data: dict[str, Any]
    raw_data_id: str
    boefje_meta_id: str
    boefje_id: str | None
    mime_types: tuple[str, ...]
    created_at: datetime.datetime | None
    input_ooi: str | None = None

    @property
    def deschedules(self) -> bool:
        return DESCHEDULE_MIME_TYPE in self.mime_types


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(NOT_AN_OBJECT.format(path=path), field=path)
    return value


def _string(container: dict[str, Any], key: str, path: str, *, max_length: int | None = None) -> str:
    value = container.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise InvalidInput(NOT_A_STRING.format(path=path), field=path)
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(TOO_LONG.format(path=path, maximum=max_length), field=path)
    return value


def parse_scan_profile_mutation(message: Any) -> ScanProfileMutation:
    body = _object(message, "message")
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise InvalidInput(UNKNOWN_OPERATION.format(value=operation), field="operation")
    organisation = _string(body, "client_id", "client_id", max_length=MAX_ORGANISATION)
    value = body.get("value")
    if operation == "delete" and value is None:
        primary_key = _string(body, "primary_key", "primary_key", max_length=MAX_PRIMARY_KEY)
        return ScanProfileMutation(operation, organisation, primary_key, None, None)
    if value is None:
        raise InvalidInput(VALUE_REQUIRED.format(operation=operation), field="value")
    value = _object(value, "value")
    primary_key = _string(value, "primary_key", "value.primary_key", max_length=MAX_PRIMARY_KEY)
    object_type = _string(value, "object_type", "value.object_type", max_length=MAX_OBJECT_TYPE)
    profile = _object(value.get("scan_profile"), "value.scan_profile")
    level = profile.get("level")
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 4:
        raise InvalidInput(NOT_A_LEVEL.format(path="value.scan_profile.level"), field="value.scan_profile.level")
    return ScanProfileMutation(operation, organisation, primary_key, object_type, level)


def parse_raw_file_received(message: Any) -> RawFileReceived:
    body = _object(message, "message")
    raw_data = _object(body.get("raw_data"), "raw_data")
    boefje_meta = _object(raw_data.get("boefje_meta"), "raw_data.boefje_meta")
    organisation = body.get("organization") or boefje_meta.get("organization")
    if not isinstance(organisation, str) or not organisation:
        raise InvalidInput(NOT_A_STRING.format(path="organization"), field="organization")
    if len(organisation) > MAX_ORGANISATION:
        raise InvalidInput(TOO_LONG.format(path="organization", maximum=MAX_ORGANISATION), field="organization")
    mime_types = raw_data.get("mime_types", [])
    if not isinstance(mime_types, list):
        raise InvalidInput(NOT_A_LIST.format(path="raw_data.mime_types"), field="raw_data.mime_types")
    values = []
    for index, mime_type in enumerate(mime_types):
        path = f"raw_data.mime_types[{index}]"
        values.append(_string(_object(mime_type, path), "value", f"{path}.value"))
    boefje = boefje_meta.get("boefje")
    boefje_id = boefje.get("id") if isinstance(boefje, dict) else None
    boefje_id = boefje_id if isinstance(boefje_id, str) and boefje_id else None
    if DESCHEDULE_MIME_TYPE in values and boefje_id is None:
        # Without its boefje the schedule to switch off cannot be found: refused, not silently ignored.
        field = "raw_data.boefje_meta.boefje.id"
        raise InvalidInput(DESCHEDULE_WITHOUT_BOEFJE.format(mime_type=DESCHEDULE_MIME_TYPE), field=field)
    input_ooi = boefje_meta.get("input_ooi")
    if not isinstance(input_ooi, str):
        # Only a de-schedule reads it (it is part of the schedule's identity); elsewhere it is passed on as sent.
        if input_ooi is not None and DESCHEDULE_MIME_TYPE in values:
            raise InvalidInput(INPUT_OOI_INVALID, field="raw_data.boefje_meta.input_ooi")
        input_ooi = None
    return RawFileReceived(
        organisation=organisation,
        raw_data=raw_data,
        raw_data_id=_string(raw_data, "id", "raw_data.id"),
        boefje_meta_id=_string(boefje_meta, "id", "raw_data.boefje_meta.id"),
        boefje_id=boefje_id,
        mime_types=tuple(values),
        created_at=None,
        input_ooi=input_ooi or None,
    )
