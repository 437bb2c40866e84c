"""Ingestion: one code path for a message from RabbitMQ or the same payload over HTTP."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.messages import (
    RawFileReceived,
    ScanProfileMutation,
    parse_raw_file_received,
    parse_scan_profile_mutation,
)
from rocky_scheduler.models import ProcessedMessage
from rocky_scheduler.queue.store import get_store
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.scheduling import (
    SchedulingOutcome,
    boefjes_schedule_for_mutation,
    normalizers_schedule_for_raw_file,
)

SCAN_PROFILE_MUTATIONS = "scan_profile_mutations"
RAW_FILE_RECEIVED = "raw_file_received"
UNKNOWN_QUEUE = _("Unknown ingest queue {queue!r}.")


def _mutation(payload: Any, clock: Clock) -> SchedulingOutcome:
    return boefjes_schedule_for_mutation(mutation=parse_scan_profile_mutation(payload), clock=clock)


def _raw_file(payload: Any, clock: Clock) -> SchedulingOutcome:
    return normalizers_schedule_for_raw_file(raw_file=parse_raw_file_received(payload), clock=clock)


HANDLERS: dict[str, Callable[[Any, Clock], SchedulingOutcome]] = {
    SCAN_PROFILE_MUTATIONS: _mutation,
    RAW_FILE_RECEIVED: _raw_file,
}
PARSERS: dict[str, Callable[[Any], ScanProfileMutation | RawFileReceived]] = {
    SCAN_PROFILE_MUTATIONS: parse_scan_profile_mutation,
    RAW_FILE_RECEIVED: parse_raw_file_received,
}


def message_digest(queue: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{queue}\n{canonical}".encode()).hexdigest()


def ingest_validate(*, queue: str, payload: Any) -> str:
    """Parse without acting: the organisation the message is about; InvalidInput for a malformed message."""
    if queue not in PARSERS:
        raise InvalidInput(UNKNOWN_QUEUE.format(queue=queue), field="queue")
    return PARSERS[queue](payload).organisation


def ingest_message(
    *, queue: str, payload: Any, redelivered: bool = False, clock: Clock = default_clock
) -> SchedulingOutcome:
    """Schedule what one message asks for; its digest is committed with the tasks it created.

    A redelivered message (the broker lost our ack, or the consumer died before acking) whose
    digest is already recorded schedules nothing again.
    """
    ingest_validate(queue=queue, payload=payload)
    digest = message_digest(queue, payload)
    with transaction.atomic():
        if redelivered and ProcessedMessage.objects.filter(digest=digest).exists():
            return SchedulingOutcome()
        return ingest_apply(queue=queue, payload=payload, digest=digest, clock=clock)


def ingest_apply(*, queue: str, payload: Any, digest: str, clock: Clock = default_clock) -> SchedulingOutcome:
    """Schedule what a validated message asks for and record its digest, in the caller's transaction."""
    outcome = HANDLERS[queue](payload, clock)
    get_store().record_processed_message(digest=digest, queue=queue)
    return outcome
