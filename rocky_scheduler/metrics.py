"""Prometheus metrics: counters bumped by the services, gauges read from the database at scrape time.

Under gunicorn each worker counts for itself; with PROMETHEUS_MULTIPROC_DIR set (the run script
sets it) prometheus_client adds the workers' counters up.
"""

import time
from collections.abc import Iterator

from django.db import transaction
from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

TASKS_PUSHED = Counter("rocky_scheduler_tasks_pushed", "Tasks queued by a push", ["scheduler"])
TASKS_POPPED = Counter("rocky_scheduler_tasks_popped", "Tasks dispatched by a pop", ["scheduler"])
LEASES_EXPIRED = Counter("rocky_scheduler_leases_expired", "Leases that ran out", ["scheduler", "outcome"])


def count_on_commit(counter: Counter, amount: int = 1, **labels: str) -> None:
    """Count only what was committed: a rolled-back push is no push."""
    if amount:
        transaction.on_commit(lambda: counter.labels(**labels).inc(amount))


class QueueCollector(Collector):
    """Queue depth per scheduler and status, and the age of the oldest queued task."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from rocky_scheduler import selectors

        depth = GaugeMetricFamily(
            "rocky_scheduler_tasks", "Tasks per scheduler and status", labels=["scheduler", "status"]
        )
        for scheduler_id, status, n in selectors.task_depth():
            depth.add_metric([scheduler_id, status], n)
        yield depth
        age = GaugeMetricFamily(
            "rocky_scheduler_oldest_queued_age_seconds", "Age of the oldest queued task", labels=["scheduler"]
        )
        now = time.time()
        for scheduler_id, oldest in selectors.oldest_queued().items():
            age.add_metric([scheduler_id], max(0.0, now - oldest.timestamp()))
        yield age


def render_metrics(multiproc_dir: str | None) -> bytes:
    registry = CollectorRegistry()
    if multiproc_dir:
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    queue_registry = CollectorRegistry()
    queue_registry.register(QueueCollector())
    return output + generate_latest(queue_registry)
