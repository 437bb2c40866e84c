#!/usr/bin/env bash
# Start the scheduler: migrate, seed the demo, then the web server and the django-q2 cluster.
# SQLite (db.sqlite3 here) unless DATABASE_URL is set. Ctrl-C stops both and exits 0.
# Anything that cannot start (port in use, database missing or unreachable, a process dying while starting)
# is one line on stderr, everything already started is stopped, and the exit status is 1.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# gunicorn's rule of thumb, 2 x cores + 1: a sync worker sits idle while PostgreSQL flushes a commit,
# and with 2 workers on 2 cores pops and completions left a fifth of the CPU unused (docs/benchmarks/http.md).
WORKERS=${WEB_WORKERS:-$(( 2 * $(nproc) + 1 ))}
# How long the web server may take to answer its first request before the start counts as failed.
START_SECONDS=${START_SECONDS:-60}
# How long the web server and the cluster may take to stop before what is left of them is killed.
STOP_SECONDS=${STOP_SECONDS:-15}
WEB_PID=
CLUSTER_PID=

fail() {
    echo "rocky_scheduler: $*" >&2
    stop
    exit 1
}

stop() {
    for pid in $WEB_PID $CLUSTER_PID; do kill -TERM "$pid" 2>/dev/null; done
    # Both stop within a second or two. django-q2's cluster can hang in its own shutdown when a terminal's
    # Ctrl-C and our TERM arrive together, so whatever is left after STOP_SECONDS is killed.
    local deadline=$((SECONDS + STOP_SECONDS))
    while { alive "$WEB_PID" || alive "$CLUSTER_PID"; } && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    for pid in $WEB_PID $CLUSTER_PID; do alive "$pid" && kill_tree "$pid"; done
    for pid in $WEB_PID $CLUSTER_PID; do wait "$pid" 2>/dev/null; done
    WEB_PID=
    CLUSTER_PID=
}

kill_tree() {
    local child
    for child in $(pgrep -P "$1"); do kill_tree "$child"; done
    kill -KILL "$1" 2>/dev/null
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# The last line of a Python traceback is the one that says what went wrong.
last_error() { grep -E '^[A-Za-z_.]*(Error|Exception)\b' | tail -1; }

$PY - "$HOST" "$PORT" <<'PY' || fail "cannot listen on $HOST:$PORT: the port is in use (choose another with PORT=...)"
import socket, sys
with socket.socket() as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
    try:
        probe.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
PY

out=$($PY manage.py migrate --noinput 2>&1) || fail "the database cannot be used: $(last_error <<<"$out")"
out=$($PY manage.py collectstatic --noinput 2>&1) || fail "collectstatic failed: $(last_error <<<"$out")"
login=$($PY manage.py seed_demo --json 2>&1) || fail "seeding the demo failed: $(last_error <<<"$login")"
out=$($PY manage.py setup_schedules 2>&1) || fail "setting up the background jobs failed: $(last_error <<<"$out")"

trap 'stop; echo; echo "rocky_scheduler stopped."; exit 0' INT TERM

$PY -m gunicorn scheduler_project.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" \
    --access-logfile - &
WEB_PID=$!
$PY manage.py qcluster &
CLUSTER_PID=$!

# The banner only once the web server answers: a server that failed to bind must not be announced.
$PY scripts/wait_for_web.py "http://$HOST:$PORT/api/v1/health" "$START_SECONDS" "$WEB_PID" "$CLUSTER_PID"
case $? in
    0) ;;
    2) alive "$WEB_PID" || fail "the web server (gunicorn) stopped while starting; its error is above"
       fail "the background worker (qcluster) stopped while starting; its error is above" ;;
    *) fail "the web server did not answer on http://$HOST:$PORT within $START_SECONDS s" ;;
esac

DATABASE=$( [ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo "SQLite, ${SCHEDULER_SQLITE_PATH:-db.sqlite3}" )
$PY scripts/banner.py "http://$HOST:$PORT" "$DATABASE" <<<"$login"

# Either process ending on its own ends the run: a scheduler without its web server or its worker is broken.
while alive "$WEB_PID" && alive "$CLUSTER_PID"; do
    wait -n "$WEB_PID" "$CLUSTER_PID" 2>/dev/null
done
alive "$WEB_PID" || fail "the web server (gunicorn) stopped; its error is above"
fail "the background worker (qcluster) stopped; its error is above"
