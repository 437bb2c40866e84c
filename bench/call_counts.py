"""Python function calls and SQL statements per API request, in process: a figure the machine's load cannot move.

On a shared 2-core machine, rates and even CPU seconds drift by a quarter or more between runs minutes apart;
the number of Python function calls a request makes (cProfile's count) and the statements it sends do not.
Run it in two checkouts to compare them (docs/benchmarks/store-before-after.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rocky_scheduler_calls .venv/bin/python bench/call_counts.py

The database is dropped and recreated; requests go through Django's WSGI handler as bench/http_profile.py sends
them (health, task GET, pop, PATCH completed, push), after warm-up requests that fill every cache.
"""

import argparse
import cProfile
import json
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.db import database_from_env, recreate_database  # noqa: E402
from bench.http_bench import _fresh_backlog, _setup_django  # noqa: E402

OPERATIONS = ("health", "task GET", "pop", "PATCH completed", "push")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100, help="requests of each kind counted")
    args = parser.parse_args()
    database = database_from_env()
    recreate_database(database)
    token = _setup_django()
    task_id = _fresh_backlog(database, 10 * args.calls)

    from django.db import connection

    from bench.http_profile import InProcessApi

    operations = InProcessApi(token).operations(task_id)
    for _ in range(30):  # warm-up: lazy imports, prepared statements, the caches of tokens, schedulers, plugins
        for name in OPERATIONS:
            if name == "PATCH completed":
                continue
            operations[name]()
            if name == "pop":
                operations["PATCH completed"]()
    results = {}
    for name in OPERATIONS:
        statements: list[str] = []

        def counted(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        if name == "PATCH completed":  # each PATCH completes a task popped before the profile starts
            for _ in range(args.calls):
                operations["pop"]()
        profile = cProfile.Profile()
        with connection.execute_wrapper(counted):
            profile.enable()
            for _ in range(args.calls):
                operations[name]()
            profile.disable()
        if name == "pop":
            for _ in range(args.calls):
                operations["PATCH completed"]()
        results[name] = {
            "python_calls": pstats.Stats(profile).total_calls / args.calls,
            "sql_statements": len(statements) / args.calls,
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
