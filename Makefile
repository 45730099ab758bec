# `make run` serves the demo; `make test` runs lint, types and the whole suite.
# Both set everything up first. DATABASE_URL and CELERY_BROKER_URL switch
# from SQLite and the filesystem transport to PostgreSQL and Redis.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The demo and the tests run in debug mode: no HTTPS redirect, a known secret.
export DEBUG ?= 1

.PHONY: run test install install-dev lint types check-migrations messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compiletranslations
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py rundemo

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install-dev
	$(BIN)/mypy .

check-migrations: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint types check-migrations
	$(BIN)/pytest

# For developers: re-extract messages after changing strings (pure Python).
messages: install-dev
	$(BIN)/python manage.py updatetranslations

clean:
	rm -rf $(VENV) var *.egg-info
