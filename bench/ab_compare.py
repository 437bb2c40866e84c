"""Push and pop-and-complete rates of two checkouts, in alternating rounds on the same machine at the same time.

This machine's speed drifts by a quarter between runs minutes apart, and the queue benchmark's push has no
baseline of its own; alternating short rounds of both checkouts compares them fairly.

    .venv/bin/python bench/ab_compare.py /path/to/old/checkout /path/to/new/checkout --rounds 6 --tasks 2000

Each checkout gets its own database (migrated with its own migrations). Every round, in a fresh process
started in that checkout: truncate tasks and schedules, time `task_push` of `--tasks` boefje tasks (the
ranker decides the priority, as in queue_bench.py), then time `task_pop(limit=1)` + `task_transition
(completed)` until the queue is empty (one process; each task has a schedule, as every pushed boefje task).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.progress import Progress  # noqa: E402

BASE_URL = "postgres://postgres@127.0.0.1:5432"

_ROUND = """
import json, os, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler_project.settings")
import django
django.setup()
from django.db import connection
from rocky_scheduler.services import task_push
with connection.cursor() as cursor:
    cursor.execute("TRUNCATE rocky_scheduler_taskevent, rocky_scheduler_task, rocky_scheduler_schedule CASCADE")
count = int(os.environ["AB_TASKS"])
datas = [{"boefje": {"id": "dns-records"}, "input_ooi": f"Hostname|internet|h{i}.example.com",
          "organization": "acme"} for i in range(count + 50)]
for data in datas[:50]:
    task_push(scheduler_id="boefje", organisation="acme", data=data)
start = time.perf_counter()
for data in datas[50:]:
    task_push(scheduler_id="boefje", organisation="acme", data=data)
pushed = count / (time.perf_counter() - start)
from rocky_scheduler.services import task_pop, task_transition
for task in task_pop(scheduler_id="boefje", limit=50):
    task_transition(task_id=task.id, status="completed")
start, done = time.perf_counter(), 0
while tasks := task_pop(scheduler_id="boefje"):
    task_transition(task_id=tasks[0].id, status="completed")
    done += 1
print(json.dumps({"push": pushed, "pop_complete": done / (time.perf_counter() - start)}))
"""


def _git(tree: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=tree, capture_output=True, text=True, check=True).stdout.strip()


def _prepare(tree: Path, database: str) -> None:
    admin = psycopg2.connect(f"{BASE_URL}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
    admin.close()
    env = {**os.environ, "DATABASE_URL": f"{BASE_URL}/{database}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=tree, env=env, check=True)


def _round(tree: Path, database: str, tasks: int) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": f"{BASE_URL}/{database}", "AB_TASKS": str(tasks)}
    done = subprocess.run([sys.executable, "-c", _ROUND], cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs=2, type=Path)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    databases = [f"rocky_scheduler_ab_{index}" for index in range(2)]
    rounds: list[list[dict[str, float]]] = [[], []]
    with Progress("ab compare") as progress:
        for tree, database in zip(args.trees, databases, strict=True):
            progress.step(f"creating and migrating {database} for {tree}")
            _prepare(tree, database)
        for number in range(args.rounds):
            # Alternate which checkout goes first, so a drift in machine speed does not favour one.
            for index in [0, 1] if number % 2 == 0 else [1, 0]:
                progress.step(f"round {number + 1}/{args.rounds}: {args.trees[index]}")
                rounds[index].append(_round(args.trees[index], databases[index], args.tasks))
            print(f"round {number + 1}: {rounds[0][-1]} {rounds[1][-1]}", flush=True)
    print(f"\n{os.cpu_count()} CPUs; {args.tasks} tasks per round, one process; medians of {args.rounds} rounds")
    for measure in ("push", "pop_complete"):
        medians = [statistics.median(result[measure] for result in results) for results in rounds]
        for tree, median, results in zip(args.trees, medians, rounds, strict=True):
            values = ", ".join(f"{result[measure]:.0f}" for result in results)
            print(f"  {measure:12} {_git(tree, 'rev-parse', '--short', 'HEAD')}: {median:.0f}/s (rounds {values})")
        print(f"  {measure:12} new/old: {medians[1] / medians[0]:.2f}")


if __name__ == "__main__":
    main()
