"""Ingestion with each catalogue, in one run: the embedded one, and the OpenKAT one reading the KATalogus
and Octopoes stand-ins of tests/support, both holding the same generated catalogue (3 organisations,
20 plugins, 10,000 objects).

The same scan-profile mutations (objects Octopoes holds, seeded random order, all three organisations,
their own levels) go through `ingest_message` in this process: the consumer's code path without the
broker, so the figures compare the catalogues, not RabbitMQ. Per catalogue: messages/s, p50 and p95 per
message, KATalogus and Octopoes requests per message, and the plugin cache's hit rate (and the OpenKAT
one once more with PLUGIN_CACHE_SECONDS = 0, to show what the cache saves). The stand-ins run in this
process, so their work is counted in the OpenKAT figures.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_catalogue_bench \\
     .venv/bin/python bench/catalogue_bench.py [--messages 3000]
The database named in DATABASE_URL is dropped, recreated and migrated.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.db import database_from_env, recreate_database  # noqa: E402
from bench.progress import Progress  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "catalogue_bench.json"


def _mutations(count: int) -> list[dict[str, Any]]:
    from tests.support.openkat_data import openkat_data

    data = openkat_data()
    # A mutation is about a scan profile: objects without one are never in such an event.
    held = [(code, ooi) for code, objects in data.objects.items() for ooi in objects.values() if ooi["scan_profile"]]
    chosen = random.Random(2488).sample(held, count)
    return [
        {"operation": "update", "primary_key": ooi["primary_key"], "value": ooi, "client_id": code}
        for code, ooi in chosen
    ]


def _empty_work_tables() -> None:
    from django.db import connection

    from rocky_scheduler.models import ProcessedMessage, Schedule, Task

    tables = ", ".join(model._meta.db_table for model in (Task, Schedule, ProcessedMessage))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")  # noqa: S608 - table names from model metadata


def _run(
    name: str, setting: dict[str, Any], mutations: list[dict[str, Any]], standins: list, progress: Progress
) -> dict[str, Any]:
    from django.test import override_settings

    from rocky_scheduler.catalogue import _load, get_catalogue
    from rocky_scheduler.models import Task
    from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message

    _empty_work_tables()
    _load.cache_clear()
    with override_settings(ROCKY_SCHEDULER=setting):
        catalogue = get_catalogue()
        requests_before = {standin.name: standin.requests for standin in standins}
        durations = []
        progress.step(f"{name}: mutations ingested", total=len(mutations))
        started = time.perf_counter()
        for payload in mutations:
            before = time.perf_counter()
            ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=payload)
            durations.append(time.perf_counter() - before)
            progress.done += 1
        elapsed = time.perf_counter() - started
        cache = getattr(catalogue, "_plugins", None) if standins else None
    _load.cache_clear()
    quantiles = statistics.quantiles(durations, n=100)
    result = {
        "catalogue": name,
        "messages": len(mutations),
        "tasks_queued": Task.objects.count(),
        "messages_per_second": round(len(mutations) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p95_ms": round(quantiles[94] * 1000, 2),
    }
    if cache is not None:
        for standin in standins:
            result[f"{standin.name}_requests_per_message"] = round(
                (standin.requests - requests_before[standin.name]) / len(mutations), 3
            )
        result["plugin_cache_hit_rate"] = round(cache.hits / max(cache.hits + cache.misses, 1), 4)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    with Progress("catalogue bench") as progress:
        results = _compare(args, progress)
    for result in results:
        print(json.dumps(result))
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")


def _compare(args: argparse.Namespace, progress: Progress) -> list[dict[str, Any]]:
    """The three catalogue set-ups in turn; a progress line at least every 10 s (bench/progress.py)."""
    progress.step("creating the database and the generated catalogue")
    database = database_from_env()
    recreate_database(database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from tests.support.katalogus_standin import KATalogusStandIn
    from tests.support.octopoes_standin import OctopoesStandIn
    from tests.support.openkat_data import openkat_data
    from tests.support.openkat_fixtures import fill_embedded

    call_command("migrate", verbosity=0)
    fill_embedded(openkat_data())
    katalogus, octopoes = KATalogusStandIn().start(), OctopoesStandIn().start()
    mutations = _mutations(args.messages)
    base = dict(settings.ROCKY_SCHEDULER)
    openkat = base | {
        "CATALOGUE": "rocky_scheduler.catalogue.openkat.OpenKATCatalogue",
        "KATALOGUS_API": katalogus.url,
        "OCTOPOES_API": octopoes.url,
    }
    embedded = base | {"CATALOGUE": "rocky_scheduler.catalogue.EmbeddedCatalogue"}
    try:
        results = [
            _run("embedded", embedded, mutations, [], progress),
            _run("openkat", openkat, mutations, [katalogus, octopoes], progress),
            # What the plugin cache saves: KATalogus asked on every message.
            _run(
                "openkat, no plugin cache",
                openkat | {"PLUGIN_CACHE_SECONDS": 0},
                mutations,
                [katalogus, octopoes],
                progress,
            ),
        ]
    finally:
        katalogus.stop()
        octopoes.stop()
    return results


if __name__ == "__main__":
    main()
