# perfgoals — 项目绩效目标表填报与审核系统
# `make run` sets everything up and serves the demo; `make test` runs the tests.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-16)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint check system-packages demo serve lock bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@python=$$(scripts/find-python.sh) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); \
	fi
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*; touch $@

venv: $(STAMP) ## Create the virtual environment from the lock file

system-packages: ## Install the system packages WeasyPrint needs (fonts, Pango, HarfBuzz)
	@scripts/system-packages.sh run

run: $(STAMP) system-packages ## Set up, load the demo data and serve on 127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --address http://$(HOST):$(PORT)/
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) scripts/serve.sh

test: $(STAMP) ## Run the test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
	@scripts/system-packages.sh test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy --strict, Django's system checks and the migrations check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy perfgoals projects indicators
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(PY) -m pip install -q uv
	$(PY) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.12 \
		--generate-hashes -o requirements.lock

bench: $(STAMP) system-packages ## Run the benchmarks in bench/ (prints figures)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean: ## Remove the virtual environment, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache .ruff_cache .mypy_cache staticfiles
