#!/usr/bin/env bash
# What the test suite needs beside .venv, on a fresh machine of our kind: PostgreSQL and RabbitMQ running
# (started if they are installed but stopped), Debian's Chromium for the browser tests and pgbouncer for the
# two-node test (installed if missing; never `playwright install`, which downloads a browser of its own).
# `make test` runs this first.
set -euo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "test prerequisites: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "test prerequisites: starting RabbitMQ"
  rabbitmq-server -detached || true
  for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
fi
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "test prerequisites: installing Debian's chromium and chromium-driver (browser tests)"
  bash "$(dirname "${BASH_SOURCE[0]}")/progress.sh" "test prerequisites: installing chromium" \
    bash -c 'apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null'
fi
if [ ! -x /usr/sbin/pgbouncer ]; then
  echo "test prerequisites: installing Debian's pgbouncer (the two-node test runs its own, in transaction mode)"
  bash "$(dirname "${BASH_SOURCE[0]}")/progress.sh" "test prerequisites: installing pgbouncer" \
    bash -c 'apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null'
fi
