# rocky_scheduler: `make run` starts the scheduler, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rocky_scheduler
HOST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rocky_host
# What runs a second time inside the Rocky-shaped host project (tests/rocky_host/settings.py).
HOST_TESTS ?= tests/api tests/admin tests/dashboard tests/client tests/rocky_host
# What runs a third time on an SQLite file (the embedded default's database): every module that drives the task
# store and the services that push, pop, change status, expire leases, retry, re-prioritise, deduplicate and
# schedule, its concurrency tests included. Tests marked `postgresql_only` are deselected there (tests/conftest.py;
# docs/architecture.md "What SQLite cannot do").
SQLITE_TEST_DATABASE ?= /tmp/rocky_scheduler_sqlite.sqlite3
SQLITE_TESTS ?= tests/queue tests/test_task_push.py tests/test_task_pop.py tests/test_task_transition.py \
	tests/test_dedup_groups.py tests/test_queue_processes.py tests/test_filters.py tests/scheduling \
	tests/api/test_push_pop.py tests/api/test_tasks.py tests/api/test_task_patch_reason.py \
	tests/api/test_live_concurrency.py tests/api/test_settings_bind_live.py tests/api/test_schedulers_schedules.py \
	tests/admin/test_task_actions.py tests/admin/test_task_priority.py tests/admin/test_confirmations_and_history.py \
	tests/ingest/test_scheduling_rules.py tests/catalogue/test_openkat_scheduling.py tests/reliability/test_rescheduler_kill.py

.PHONY: run test test-prerequisites test-standalone test-host test-sqlite test-django51 lint ruff typecheck bench

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	bash scripts/progress.sh "rocky_scheduler: installing requirements.txt into $(VENV)" \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

run: $(VENV)/.installed
	PY=$(PY) bash scripts/run.sh

# PostgreSQL and RabbitMQ up, Debian's Chromium installed: a fresh machine needs nothing else run first.
test-prerequisites:
	bash scripts/test_prerequisites.sh

# All three passes always run; `make test` fails if any does.
test: $(VENV)/.installed test-prerequisites
	@status=0; \
	$(MAKE) --no-print-directory test-standalone || status=1; \
	$(MAKE) --no-print-directory test-host || status=1; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	exit $$status

test-standalone: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest $(PYTEST_ARGS)

# The store and service tests again on an SQLite file (pytest-django makes `<file>.test` beside it), so worker
# processes and live servers share it as they share PostgreSQL.
test-sqlite: $(VENV)/.installed
	rm -f $(SQLITE_TEST_DATABASE).test $(SQLITE_TEST_DATABASE).test-wal $(SQLITE_TEST_DATABASE).test-shm
	DATABASE_URL=sqlite:///$(SQLITE_TEST_DATABASE) $(PY) -m pytest $(SQLITE_TESTS) $(PYTEST_ARGS)

# Tests marked `standalone` need the standalone project itself (its live servers, branding, own tokens).
test-host: $(VENV)/.installed
	DATABASE_URL=$(HOST_DATABASE_URL) $(PY) -m pytest --ds=tests.rocky_host.settings \
		-m "not standalone and not slow" $(HOST_TESTS) $(PYTEST_ARGS)

# The suite but the slow tests on Django 5.1, against the wheel installed into its own .venv-django51; both
# passes, standalone and Rocky-shaped host.
test-django51: test-prerequisites
	PYTHON=$(PYTHON) ROCKY_HOST_TESTS="$(HOST_TESTS)" bash .ci/django51.sh $(PYTEST_ARGS)

# ruff's lint and format check, then the type check; `.ci/run` and the pre-commit hooks run the same.
lint: ruff typecheck

ruff: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with the Django and DRF plugins over rocky_scheduler/ (settings in pyproject.toml [tool.mypy]).
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

bench: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)_bench} $(PY) bench/queue_bench.py

# A country's data set (bench/scale_bench.py: 1M objects, 10M finished tasks at SCALE=1) and its read paths.
# The database is dropped and rebuilt; try SCALE=0.01 first.
SCALE ?= 1.0
.PHONY: bench-scale
bench-scale: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)_scale} $(PY) bench/scale_bench.py all --scale $(SCALE)
