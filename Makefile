# devopsboard: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_DEBUG ?= 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: backup restore run test lint format assets migrate check-deploy bench bench-short clean help test-sqlite test-production screenshots load load-short faults

help:
	@echo "make run    - install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - install dev requirements and run the whole suite"
	@echo "make lint   - ruff, mypy, djLint (templates, lint only) and import-linter contracts"
	@echo "make test-sqlite     - the tests marked sqlite, on SQLite with the in-process broker"
	@echo "make test-production - collectstatic and the tests marked production with DJANGO_DEBUG=0"
	@echo "make bench  - benchmarks (long); bench-short runs the CI-sized variant"
	@echo "make screenshots - every main page of the demo data at desk and phone size, into var/screenshots/"
	@echo "make load   - the load run (locust, 50 -> 800 people, into docs/benchmarks.md); load-short: 60 s, fails on errors"
	@echo "make faults - worker killed, Redis stopped, PostgreSQL restarted under load: prints the recovery times"
	@echo "make backup - back up the database to var/backups/; make restore FILE=... restores one into a fresh database"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	@echo "Installing the Python packages of requirements.txt into $(VENV) (about a minute the first time)..."
	@# Not quiet: each "Collecting ..." line shows what pip is doing meanwhile.
	$(BIN)/pip install --progress-bar off --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Front-end packages come from npm and are copied into static/vendor (never a CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The source-map comment is dropped: we do not ship maps, and collectstatic's manifest storage
# refuses a file that references a missing one.
static/vendor/.built: node_modules/.installed Makefile
	mkdir -p static/vendor
	cp node_modules/sortablejs/Sortable.min.js static/vendor/sortable.min.js
	sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.js > static/vendor/chart.umd.js
	touch $@

assets: static/vendor/.built

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput -v0

run: $(VENV)/.installed assets migrate
	$(BIN)/python manage.py seed_demo
	@# "Serving on ..." is printed by core/announce.py once the server answers, not before.
	$(BIN)/python -m core.announce http://127.0.0.1:$(PORT)/ & $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Every main page of the demo data at 1440×900 and 390×844, as PNGs in var/screenshots/ (not committed).
screenshots: $(VENV)/.installed-dev assets migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py screenshots

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/djlint templates --lint
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suites log as production does (JSON request and task lines, which tests read); `make run`'s console format
# has tests of its own (devopsboard/tests/test_dev_console.py).
test test-sqlite test-production: export LOG_FORMAT = json

# The whole suite across the cores (pytest-xdist), the 30 slowest tests listed at the end: each worker has its
# own test database (test_<name>_gwN) and its own Redis database (REDIS_URL's number + N, conftest.py). Lint is
# `make lint`'s, not repeated here.
PYTEST_WORKERS ?= auto
test: $(VENV)/.installed-dev assets
	$(BIN)/python tests/ensure_browser.py
	$(BIN)/python manage.py makemigrations --check --dry-run -v1
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=30 $(PYTEST_ARGS)

# `make run`'s path: SQLite and tasks in-process. The tests marked `sqlite` (what SQLite changes: the webhook
# store, migrations, search and ordering fallbacks, the API schema-truth fuzz at 10 cases an operation instead
# of 25, page flows, the demo); those needing Redis or PostgreSQL are deselected. Writers at once on SQLite
# (tests/test_sqlite_concurrency.py) run in `make test`: they start their own SQLite server whatever the pass.
# Each pytest-xdist worker has its own in-memory database.
test-sqlite: $(VENV)/.installed-dev assets
	DATABASE_URL=sqlite:///var/test.sqlite3 REDIS_URL= SCHEMA_TRUTH_EXAMPLES=10 $(BIN)/pytest -q -n $(PYTEST_WORKERS) \
		-m "sqlite and not redis and not postgres and not browser and not slow" $(PYTEST_ARGS)

# Production settings: DEBUG off, the manifest static storage, after the collectstatic the image runs. The
# tests marked `production`: every page and API read once (the role matrix's GETs), error pages, the API
# schema, static files, accounts and operations. The paths are the modules holding such tests, so that
# collection skips the rest (the schema-truth fuzz generates its cases at collection).
PRODUCTION_TESTS := devopsboard core teams tokens kanban/tests/test_views.py tests/test_operations.py \
	tests/test_api_schema.py tests/test_static_files.py tests/test_error_pages.py
test-production: $(VENV)/.installed-dev assets
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=0 $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "production and not browser and not slow" $(PRODUCTION_TESTS) \
		$(PYTEST_ARGS)

bench: $(VENV)/.installed-dev assets
	$(BIN)/python -m benchmarks all

bench-short: $(VENV)/.installed-dev assets
	$(BIN)/python -m benchmarks all --short

# The issue's mix against gunicorn (gunicorn.conf.py), PostgreSQL (its own database on DATABASE_URL's server),
# a Redis server of its own and one Celery worker (benchmarks/load/run.py). STEPS / SECONDS override the steps.
load: $(VENV)/.installed-dev assets
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m benchmarks.load.run $(if $(STEPS),--steps $(STEPS)) $(if $(SECONDS),--seconds $(SECONDS))

load-short: $(VENV)/.installed-dev assets
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m benchmarks.load.run --short

# Faults during load (docs/benchmarks.md): its own PostgreSQL cluster (initdb/pg_ctl), redis-server, gunicorn and
# Celery worker; 15-second outages. tests/test_faults.py runs the short form in CI.
faults: $(VENV)/.installed-dev assets
	$(BIN)/python -m benchmarks.faults

# Backups (docs/operations.md): `make backup` writes var/backups/devopsboard-<time>.dump (PostgreSQL) or
# .sqlite3; `make restore FILE=<file>` restores one into the fresh, empty database DATABASE_URL names.
BACKUP_DEPS := $(VENV)/.installed
backup: $(BACKUP_DEPS)
	$(BIN)/python manage.py db_backup --output "$(or $(OUTPUT),var/backups)"

restore: $(BACKUP_DEPS)
	@test -n "$(FILE)" || { echo "make restore FILE=<backup file> (made by make backup): restores into the fresh database DATABASE_URL names."; exit 2; }
	$(BIN)/python manage.py db_restore "$(FILE)"

clean:
	rm -rf $(VENV) node_modules static/vendor var/*.sqlite3*

# --- development stack with the real services (needs Docker Engine with the compose plugin) ---------
.PHONY: dev dev-down
COMPOSE_DEV := docker compose -f docker-compose.yml -f docker-compose.dev.yml $(foreach p,$(PROFILES),--profile $(p))

# PostgreSQL, Redis, worker, beat and web with auto-reload on http://127.0.0.1:8000 (PROFILES=monitoring adds
# Prometheus, Alertmanager, Grafana, node-exporter and celery-exporter). `make run` needs none of this.
dev:
	@command -v docker >/dev/null 2>&1 || { echo "make dev needs Docker Engine with the compose plugin (docs/operations.md); make run needs nothing."; exit 1; }
	@mkdir -p deploy/secrets
	@test -s deploy/secrets/metrics_token || printf %s "$${METRICS_TOKEN:-dev-metrics-token}" > deploy/secrets/metrics_token
	@test -e deploy/secrets/alertmanager_intake_token || printf %s "set-me" > deploy/secrets/alertmanager_intake_token
	$(COMPOSE_DEV) up --build

dev-down:
	$(COMPOSE_DEV) down
