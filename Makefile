# Atendimento Digital — developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?= -n 2 -q

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-22s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml uv.lock
	@echo "==> installing Python dependencies into $(VENV) (first time takes a minute)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null
	@$(PY) -m pip install -q --disable-pip-version-check 'uv>=0.9,<1'
	@$(VENV)/bin/uv sync --frozen --inexact --python $(PY) -q
	@rm -f $(VENV)/.installed-*
	@touch $@

# Front-end packages the tests need (axe-core for the accessibility checks), from npm, pinned.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the browser tests"; exit 1; }
	@echo "==> installing test packages from npm into node_modules"
	@npm ci --silent --no-audit --no-fund
	@touch $@

.PHONY: install
install: $(STAMP) $(NODE_STAMP) ## Install the locked dependencies into .venv and node_modules

.PHONY: run
run: $(STAMP) ## Run the platform with its demo tenant (embedded PostgreSQL/Redis when DATABASE_URL/REDIS_URL are unset)
	$(PY) -m config.run serve $(RUN_ARGS)

.PHONY: test
test: $(STAMP) $(NODE_STAMP) ## Run the whole test suite against real PostgreSQL and Redis
	$(PY) -m config.run test -- $(PYTEST_ARGS)

.PHONY: lint
lint: $(STAMP) ## ruff, ruff format --check, mypy and makemigrations --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

.PHONY: migrate
migrate: $(STAMP) ## Migrate the public schema, the template schema and every tenant
	$(PY) manage.py migrate_all

.PHONY: messages
messages: $(STAMP) ## Extract translatable strings into locale/{en,es} (needs GNU gettext)
	$(PY) manage.py makemessages -l en -l es --ignore=.venv --ignore=.data --ignore=tests --no-obsolete
	$(PY) manage.py compile_catalogs

.PHONY: bench-provisioning
bench-provisioning: $(STAMP) ## Provision 20 tenants by clone and 20 by migration; print s/tenant
	$(PY) -m config.run bench bench/provisioning.py

.PHONY: bench-ingest
bench-ingest: $(STAMP) ## Signed WhatsApp webhooks for 60 s through intake and workers; msgs/s vs raw inserts
	$(PY) -m config.run bench bench/ingest.py

.PHONY: bench-analytics
bench-analytics: $(STAMP) ## 10M messages in ClickHouse: dashboard and month report p50/p95 vs PostgreSQL (BENCH_ANALYTICS_MESSAGES=n)
	$(PY) -m config.run bench bench/analytics.py

.PHONY: bench-metering
bench-metering: $(STAMP) ## Usage records/s and a 10M-record monthly statement
	$(PY) -m config.run bench bench/metering.py

.PHONY: clean-data
clean-data: ## Delete the embedded databases' data in .data/
	rm -rf .data

.PHONY: screenshots
screenshots: $(STAMP) ## PNGs of the console and monitor into docs/screenshots/ (needs `make run`; SCREENSHOT_ARGS='--own-server' starts one)
	$(PY) scripts/screenshots.py $(SCREENSHOT_ARGS)
