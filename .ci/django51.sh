#!/usr/bin/env bash
# The suite on Django 5.1 (Rocky's line) against the app as pip installs it: builds the wheel, installs it into
# .venv-django51 with .ci/django51.txt's pins, and runs the tests from a copy of the checkout whose
# rocky_scheduler/ is removed, so every import of the app comes from the installed wheel.
# Runs all but tests/packaging (it builds from the checkout's own app) and the tests marked slow (the long
# multi-process ones; `make test` runs them on Django 5.2). Arguments go to the standalone pass's pytest
# (`bash .ci/django51.sh tests/api -k pop`); ROCKY_HOST_TESTS picks the Rocky-shaped host's pass (empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PYTHON=${PYTHON:-python3}
VENV=${VENV_DJANGO51:-$ROOT/.venv-django51}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rocky_scheduler_django51}
ROCKY_HOST_DATABASE_URL=${ROCKY_HOST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rocky_host_django51}
ROCKY_HOST_TESTS=${ROCKY_HOST_TESTS-tests/rocky_host}
PIP=(--disable-pip-version-check)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# requirements.txt less the packages .ci/django51.txt pins, then those pins: every other version stays the
# standalone project's. The result is also the constraint for installing the wheel, so no dependency of the app
# can move Django off 5.1.
awk -F'==' '
  function name(s) { s = tolower(s); gsub(/[._]/, "-", s); return s }
  FNR == NR { if ($0 ~ /==/) pinned[name($1)] = 1; next }
  !($0 ~ /==/ && name($1) in pinned)
' .ci/django51.txt requirements.txt > "$work/pins.txt"
grep -Ev '^\s*(#|$)' .ci/django51.txt >> "$work/pins.txt"

# Reused between local runs while the pins are the same; CI's fresh clone always makes it new.
if ! cmp -s "$work/pins.txt" "$VENV/.pins.txt"; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  bash scripts/progress.sh "Django 5.1 pass: installing its pins into $VENV" \
    "$VENV/bin/pip" install "${PIP[@]}" --quiet -r "$work/pins.txt"
  cp "$work/pins.txt" "$VENV/.pins.txt"
fi
PY=$VENV/bin/python

# The copy holds what the tests need (tests/, scheduler_project/, manage.py, docs/ for the doc's snippets,
# pyproject.toml for pytest's settings), never what a working checkout has beside its tracked files.
copy=$work/rocky-scheduler
rsync -a --exclude='.git' --exclude='.venv*' --exclude='__pycache__' --exclude='*.pyc' --exclude='build/' \
  --exclude='dist/' --exclude='*.egg-info' --exclude='.run/' --exclude='.staticfiles/' --exclude='db.sqlite3*' \
  "$ROOT/" "$copy/"
# No build isolation: setuptools is the pinned one in the venv, so the build needs nothing from outside it.
"$PY" -m build --wheel --no-isolation --outdir "$work/dist" "$copy" > "$work/build.log" \
  || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/rocky_scheduler-*.whl)
echo "built $(basename "$wheel")"

"$VENV/bin/pip" uninstall "${PIP[@]}" --quiet --yes rocky-scheduler 2>/dev/null || true
"$VENV/bin/pip" install "${PIP[@]}" --constraint "$work/pins.txt" "$wheel" | grep -v '^Requirement already satisfied'
"$VENV/bin/pip" check "${PIP[@]}"

rm -rf "$copy/rocky_scheduler" "$copy/build"
site_packages=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# tests/conftest.py stops the session unless these hold.
export ROCKY_SCHEDULER_EXPECT_INSTALLED_IN=$site_packages ROCKY_SCHEDULER_EXPECT_DJANGO=5.1

cd "$copy"
status=0
echo "== Django 5.1, installed wheel: standalone project"
"$PY" -m pytest -m "not slow" --ignore=tests/packaging "$@" || status=$?
if [ -n "$ROCKY_HOST_TESTS" ]; then
  echo "== Django 5.1, installed wheel: Rocky-shaped host"
  # shellcheck disable=SC2086 # a list of test paths
  DATABASE_URL=$ROCKY_HOST_DATABASE_URL "$PY" -m pytest --ds=tests.rocky_host.settings -m "not standalone and not slow" \
    $ROCKY_HOST_TESTS || status=$?
fi
exit "$status"
