.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install install-run run dev test test-sqlite test-postgres lint format chromium redis bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## create .venv and install Paperwire with its test and lint tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed-run $@

install-run: $(VENV)/.installed-run ## create .venv and install only what running Paperwire needs

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

run: install-run ## migrate and serve Paperwire at http://127.0.0.1:8000 (granian, SQLite under var/), with its worker
	$(BIN)/paperwire serve --migrate --with-worker --host 127.0.0.1 --port 8000

dev: install ## the auto-reloading development server at http://127.0.0.1:8000, with the worker
	$(BIN)/paperwire migrate --no-input
	$(BIN)/paperwire worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PAPERWIRE_DEBUG=true $(BIN)/paperwire runserver 127.0.0.1:8000

redis: ## install Debian's redis-server for the shared-cache tests, if missing
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

chromium: ## install Debian's Chromium for the browser tests, if missing
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: install ## ruff (lint and format), mypy, and the layers of the apps (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## apply ruff's formatting and fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test-sqlite: install chromium redis ## the suite on SQLite
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install chromium redis ## the suite on PostgreSQL + pgvector (started for the run)
	$(BIN)/python tests/run_postgres.py $(PYTEST_ARGS)

test: lint test-sqlite test-postgres ## lint, then the whole suite on SQLite and on PostgreSQL

bench: install ## run the benchmarks under bench/ and print their figures
	$(BIN)/python bench/import_snapshot.py
	$(BIN)/python bench/embed_throughput.py
	$(BIN)/python bench/vector_index.py
	$(BIN)/python bench/lexical_engines.py
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/digest_send.py
	@echo "bench/search_page.py and bench/api_requests.py measure requests on an install filled with real papers: see their usage"
