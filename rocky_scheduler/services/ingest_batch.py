"""Ingest a batch of messages in one transaction, each with the effects and order ingest_message gives it.

An event storm (issue 16) is thousands of messages a second; one transaction per message spent most of its
time committing. Here a batch commits once: each message still succeeds or fails alone (a savepoint, or the
set-based run below falling back to savepoints), a redelivered message already processed schedules nothing,
and messages about one object are applied in the order given. Consecutive scan-profile creates and updates of
distinct objects are scheduled together, set-based (boefjes_schedule_for_mutations); a delete, a raw file, a
second mutation of an object, or a catalogue that confirms objects in Octopoes goes one message at a time.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, transaction

from rocky_scheduler.catalogue import get_catalogue
from rocky_scheduler.catalogue.base import CatalogueUnavailable
from rocky_scheduler.messages import ScanProfileMutation, parse_scan_profile_mutation
from rocky_scheduler.models import ProcessedMessage
from rocky_scheduler.queue.store import get_store
from rocky_scheduler.services.common import Clock, default_clock
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_apply, ingest_validate, message_digest
from rocky_scheduler.services.scheduling import SchedulingOutcome
from rocky_scheduler.services.scheduling.boefjes_batch import boefjes_schedule_for_mutations

# The database connection is gone: nothing of the batch is committed, the caller backs off.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class BatchMessage:
    queue: str  # the message kind: scan_profile_mutations or raw_file_received
    payload: Any
    redelivered: bool = False


@dataclass
class BatchResult:
    """One message's fate: `outcome` when its effects were committed, `error` when it raised (its effects rolled
    back); neither when the batch stopped before it (a catalogue outage: it was not attempted)."""

    outcome: SchedulingOutcome | None = None
    error: Exception | None = None

    @property
    def attempted(self) -> bool:
        return self.outcome is not None or self.error is not None


@dataclass
class _Run:
    """Consecutive mutations of distinct objects, scheduled together when the next message cannot join."""

    indexes: list[int] = field(default_factory=list)
    mutations: list[ScanProfileMutation] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    objects: set[tuple[str, str]] = field(default_factory=set)

    def holds(self, mutation: ScanProfileMutation) -> bool:
        return (mutation.organisation, mutation.primary_key) in self.objects

    def add(self, index: int, mutation: ScanProfileMutation, digest: str) -> None:
        self.indexes.append(index)
        self.mutations.append(mutation)
        self.digests.append(digest)
        self.objects.add((mutation.organisation, mutation.primary_key))


def ingest_batch(messages: Sequence[BatchMessage], *, clock: Clock = default_clock) -> list[BatchResult]:
    """Ingest `messages` in order in one transaction; one result each.

    CatalogueUnavailable stops the batch at that message: the ones before are committed, it and the rest are
    not attempted. A lost database connection rolls the whole batch back and is raised.
    """
    results = [BatchResult() for _ in messages]
    batch_set_based = not get_catalogue().confirms_objects
    with transaction.atomic():
        processor = _Processor(messages, results, clock=clock, set_based=batch_set_based)
        processor.run()
    return results


class _Processor:
    def __init__(self, messages: Sequence[BatchMessage], results: list[BatchResult], *, clock: Clock, set_based: bool):
        self.messages = messages
        self.results = results
        self.clock = clock
        self.set_based = set_based
        self.run_ = _Run()
        self.plugins: dict = {}
        self.stopped = False
        redelivered = [message_digest(m.queue, m.payload) for m in messages if m.redelivered]
        # Digests committed before, and those of this batch as they are processed (a later copy skips, as it would).
        self.processed = set(ProcessedMessage.objects.filter(digest__in=redelivered).values_list("digest", flat=True))

    def run(self) -> None:
        for index, message in enumerate(self.messages):
            if self.stopped:
                return
            try:
                ingest_validate(queue=message.queue, payload=message.payload)
                digest = message_digest(message.queue, message.payload)
                mutation = parse_scan_profile_mutation(message.payload) if self._joins(message) else None
            except Exception as error:  # refused by the parser: nothing was written
                self.results[index].error = error
                continue
            if message.redelivered and digest in self.processed:
                self.results[index].outcome = SchedulingOutcome()
                continue
            self.processed.add(digest)
            if mutation is not None and mutation.operation != "delete":
                if self.run_.holds(mutation):
                    self._flush()
                self.run_.add(index, mutation, digest)
                continue
            self._flush()
            self._one(index, digest)
        self._flush()

    def _joins(self, message: BatchMessage) -> bool:
        return self.set_based and message.queue == SCAN_PROFILE_MUTATIONS

    def _flush(self) -> None:
        run, self.run_ = self.run_, _Run()
        if not run.indexes or self.stopped:
            return
        try:
            with transaction.atomic():
                outcomes = boefjes_schedule_for_mutations(run.mutations, clock=self.clock, plugins=self.plugins)
                get_store().record_processed_messages([(digest, SCAN_PROFILE_MUTATIONS) for digest in run.digests])
        except CONNECTION_ERRORS:
            raise
        except Exception:
            # Rolled back as a whole: one message at a time then, so only the one that fails is refused.
            for index, digest in zip(run.indexes, run.digests, strict=True):
                if not self.stopped:
                    self._one(index, digest)
            return
        for index, outcome in zip(run.indexes, outcomes, strict=True):
            self.results[index].outcome = outcome

    def _one(self, index: int, digest: str) -> None:
        if self.stopped:
            return
        message = self.messages[index]
        try:
            with transaction.atomic():
                outcome = ingest_apply(queue=message.queue, payload=message.payload, digest=digest, clock=self.clock)
        except CONNECTION_ERRORS:
            raise
        except CatalogueUnavailable as error:
            self.results[index].error = error
            self.stopped = True
            return
        except Exception as error:
            self.results[index].error = error
            return
        self.results[index].outcome = outcome
