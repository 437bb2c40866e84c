from dataclasses import dataclass, field
from typing import Any


@dataclass
class SchedulingOutcome:
    """What one event or run scheduled, and what it left out and why (the ingest API returns it)."""

    scheduled: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    cancelled: int = 0

    def skip(self, plugin_id: str, reason: str, **extra: str) -> None:
        self.skipped.append({"plugin": plugin_id, "reason": reason, **extra})

    def merge(self, other: "SchedulingOutcome") -> None:
        self.scheduled.extend(other.scheduled)
        self.skipped.extend(other.skipped)
        self.cancelled += other.cancelled

    def as_json(self) -> dict[str, Any]:
        return {"scheduled": self.scheduled, "skipped": self.skipped, "cancelled": self.cancelled}
