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
    # Every process started, with its children (gunicorn's workers, the cluster's pool, monitor and pusher),
    # listed before the signal: once a parent has gone, its orphans can no longer be found through it.
    local pids pid
    pids=$(for pid in $WEB_PID $CLUSTER_PID; do tree "$pid"; done)
    for pid in $WEB_PID $CLUSTER_PID; do kill -TERM "$pid" 2>/dev/null; done
    # All stop within a second or two. django-q2's cluster can hang in its own shutdown when a terminal's
    # Ctrl-C and our TERM arrive together, and its children can outlive it briefly, so whatever is left
    # after STOP_SECONDS is killed, and the run ends only when nothing it started is left.
    local deadline=$((SECONDS + STOP_SECONDS))
    while any_alive $pids && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    for pid in $pids; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
    for pid in $WEB_PID $CLUSTER_PID; do wait "$pid" 2>/dev/null; done
    deadline=$((SECONDS + 5))
    while any_alive $pids && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    WEB_PID=
    CLUSTER_PID=
}

# A process and all its descendants, parents first.
tree() {
    [ -n "$1" ] || return 0
    local child
    echo "$1"
    for child in $(pgrep -P "$1"); do tree "$child"; done
}

any_alive() {
    local pid
    for pid in "$@"; do alive "$pid" && return 0; done
    return 1
}

# Running, not a zombie: an orphan's zombie waits for whoever adopted it to reap it, and is harmless.
alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    # The state follows the command name, which is in parentheses and may itself hold spaces.
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

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

# Workers, worker class and threads: scheduler_project/gunicorn.conf.py (WEB_WORKERS, WEB_WORKER_CLASS, WEB_THREADS).
$PY -m gunicorn scheduler_project.wsgi:application --config scheduler_project/gunicorn.conf.py \
    --bind "$HOST:$PORT" --access-logfile - &
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
