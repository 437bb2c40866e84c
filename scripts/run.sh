#!/usr/bin/env bash
# Start the scheduler: migrate, seed the demo, then the web server and the django-q2 cluster.
# SQLite (db.sqlite3 here) unless DATABASE_URL is set. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# gunicorn's rule of thumb, 2 x cores + 1: a sync worker sits idle while PostgreSQL flushes a commit,
# and with 2 workers on 2 cores pops and completions left a fifth of the CPU unused (docs/benchmarks.md).
WORKERS=${WEB_WORKERS:-$(( 2 * $(nproc) + 1 ))}

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput >/dev/null
$PY manage.py seed_demo
if $PY manage.py help setup_schedules >/dev/null 2>&1; then $PY manage.py setup_schedules; fi

$PY -m gunicorn scheduler_project.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" \
    --access-logfile - &
WEB_PID=$!
$PY manage.py qcluster &
CLUSTER_PID=$!
trap 'kill $WEB_PID $CLUSTER_PID 2>/dev/null; wait' INT TERM EXIT

cat <<MSG

rocky_scheduler is running ($( [ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo "SQLite, db.sqlite3" )):
  dashboard  http://$HOST:$PORT/dashboard
  admin      http://$HOST:$PORT/admin/
  API        http://$HOST:$PORT/api/v1/   (Authorization: Token <token above>)
  login      admin / rocky-admin
Press Ctrl-C to stop.
MSG
wait
