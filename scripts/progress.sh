#!/usr/bin/env bash
# Runs a set-up command and, while it runs, prints "<label>: N s" every 10 s: a step that says nothing for
# longer than that (pip installing the requirements, apt installing Chromium) looks hung. The command keeps
# the terminal (stdin, Ctrl-C); the script exits with its status.
# Usage: scripts/progress.sh "rocky_scheduler: installing requirements.txt" pip install -r requirements.txt
set -uo pipefail
label=$1
shift

tick() {
  local started nap
  started=$(date +%s)
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    sleep 10 &
    nap=$!
    wait "$nap"
    echo "$label: $(($(date +%s) - started)) s"
  done
}

tick &
ticker=$!
trap 'kill "$ticker" 2>/dev/null' EXIT
"$@"
