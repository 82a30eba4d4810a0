# Ville Solidaire — developer commands. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PG_URL ?= postgres://postgres@127.0.0.1:5432/villesolidaire
export DJANGO_DEBUG ?= true
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run install install-dev migrate demo test test-sqlite test-postgres test-browser bench check-deploy backup restore clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installation des dépendances…"
	@$(PIP) install -q -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import django, django_tasks_db, sesame, django_otp" 
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	@$(PIP) install -q -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import pytest, pytest_django, factory, playwright, axe_playwright_python"
	@test -x $(VENV)/bin/ruff
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	@$(PY) manage.py migrate --no-input -v0

demo: migrate
	@$(PY) manage.py seed_demo --if-empty

## make run: fresh machine → virtual environment, install, migrate, demo town, web server + task worker.
run: demo
	@bash scripts/run_dev.sh

## make test: the whole suite on SQLite, then on PostgreSQL (browser tests included) when reachable.
test: install-dev
	@bash scripts/test.sh

test-sqlite: install-dev
	@DATABASE_URL=sqlite:///:memory: $(PY) -m pytest -q -n 2 -m "not browser and not postgres_only"

test-postgres: install-dev
	@DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -n 2 -m "not browser"

test-browser: install-dev
	@DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -m browser

## make bench: matching, sign-up throughput and list timings → bench/results.json and docs/benchmarks.md.
bench: install-dev
	@bash bench/run.sh

## make check-deploy: `check --deploy` with exactly deploy/env.example (placeholders filled), nothing else inherited.
check-deploy: install
	@env -i PATH="$$PATH" HOME="$$HOME" bash -c 'eval "$$($(PY) -m config.deploy DATABASE_URL=$(PG_URL))" \
	  && exec $(PY) manage.py check --deploy --fail-level WARNING'

## make backup [KEEP=n]: dump of DATABASE_URL and its manifest in VS_BACKUP_DIR (docs/operations.md).
backup: install
	@$(PY) manage.py backup $(if $(KEEP),--keep $(KEEP))

## make restore [BACKUP=…json] [TARGET=postgres://…/base] [FORCE=1]: checks the dump and the keys, restores, reads back.
restore: install
	@$(PY) manage.py restore $(BACKUP) $(if $(TARGET),--target $(TARGET)) $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) var staticfiles
