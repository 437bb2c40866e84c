"""OpenKAT #2488: an event's object may not be readable in Octopoes yet; work is queued only once it is.

Octopoes publishes a scan-profile mutation when the change is submitted and shows the object a moment
later; a boefje task popped in between fails in the runner with ObjectNotFound. So before the first task
for an event's object is queued, a catalogue that `confirms_objects` is asked for the object, again and
again with a short backoff, for up to OBJECT_CONFIRM_SECONDS. Still not there: ObjectNotConfirmed, the
message's transaction rolls back and the consumer retries it once, then dead-letters it
(docs/architecture.md, "Objects not yet in Octopoes (#2488)").
"""

import time
from collections.abc import Callable

from rocky_scheduler.catalogue import Catalogue, OOIInfo
from rocky_scheduler.conf import app_settings
from rocky_scheduler.errors import OBJECT_NOT_CONFIRMED, ObjectNotConfirmed

# The waits between look-ups: 0.05 s, doubling, at most 0.4 s (within the bound).
FIRST_WAIT_SECONDS = 0.05
MAX_WAIT_SECONDS = 0.4


def ooi_confirm(
    *,
    catalogue: Catalogue,
    ooi: OOIInfo,
    seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Return once the catalogue holds `ooi`; raise ObjectNotConfirmed after `seconds` of looking.

    Octopoes down is CatalogueUnavailable (from the look-up), not "not there": nothing is decided on a guess.
    """
    if not catalogue.confirms_objects:
        return
    seconds = app_settings.OBJECT_CONFIRM_SECONDS if seconds is None else seconds
    give_up_at = monotonic() + seconds
    wait = FIRST_WAIT_SECONDS
    while catalogue.ooi(organisation=ooi.organisation, primary_key=ooi.primary_key) is None:
        remaining = give_up_at - monotonic()
        if remaining <= 0:
            message = OBJECT_NOT_CONFIRMED.format(
                primary_key=ooi.primary_key, organisation=ooi.organisation, seconds=seconds
            )
            raise ObjectNotConfirmed(message, field="primary_key")
        sleep(min(wait, remaining))
        wait = min(wait * 2, MAX_WAIT_SECONDS)


class OOIConfirmation:
    """`ooi_confirm` at most once per event, and only when a task is about to be queued: an event that
    queues nothing costs no Octopoes request."""

    def __init__(self, *, catalogue: Catalogue, ooi: OOIInfo) -> None:
        self.catalogue = catalogue
        self.ooi = ooi
        self.confirmed = False

    def __call__(self) -> None:
        if not self.confirmed:
            ooi_confirm(catalogue=self.catalogue, ooi=self.ooi)
            self.confirmed = True
