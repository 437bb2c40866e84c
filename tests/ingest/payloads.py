"""Messages shaped as OpenKAT's Octopoes (scan-profile mutations) and Bytes (raw files) publish them."""

import datetime
import uuid
from typing import Any


def hostname(name: str | None = None) -> str:
    return f"Hostname|internet|{name or uuid.uuid4().hex[:12] + '.example.com'}"


def mutation(
    *,
    primary_key: str | None = None,
    object_type: str = "Hostname",
    level: int = 1,
    operation: str = "create",
    organisation: str = "acme",
) -> dict[str, Any]:
    """An Octopoes ScanProfileMutation; `value` is the OOI with its scan profile (None on delete)."""
    primary_key = primary_key or f"{object_type}|internet|{uuid.uuid4().hex[:12]}"
    value = None
    if operation != "delete":
        value = {
            "object_type": object_type,
            "primary_key": primary_key,
            "scan_profile": {
                "scan_profile_type": "declared",
                "reference": primary_key,
                "level": level,
                "user_id": None,
            },
            "user_id": None,
        }
    return {"operation": operation, "primary_key": primary_key, "value": value, "client_id": organisation}


def raw_file(*, mime_types: list[str], boefje_id: str = "dns-records", organisation: str = "acme") -> dict[str, Any]:
    """A Bytes RawFileReceived event."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    return {
        "created_at": now,
        "organization": organisation,
        "raw_data": {
            "id": str(uuid.uuid4()),
            "boefje_meta": {
                "id": str(uuid.uuid4()),
                "started_at": now,
                "ended_at": now,
                "boefje": {"id": boefje_id, "version": None},
                "input_ooi": hostname(),
                "arguments": {},
                "organization": organisation,
                "runnable_hash": None,
                "environment": {},
            },
            "mime_types": [{"value": mime_type} for mime_type in mime_types],
            "secure_hash": "sha512:0",
            "signing_provider_url": None,
            "hash_retrieval_link": None,
        },
    }
