# `make run` serves the demo; `make test` runs lint, types and the whole suite,
# browser tests included; `make smoke` runs the site as production does.
# All set everything up first. DATABASE_URL and CELERY_BROKER_URL switch
# from SQLite and the filesystem transport to PostgreSQL and Redis.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The demo and the tests run in debug mode: no HTTPS redirect, a known secret.
export DEBUG ?= 1

# The browser tests drive Debian's Chromium and screenshot pages with a CJK font.
export CHROMIUM_PATH ?= /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
# The IMAP poller's tests start a private Dovecot (Debian's dovecot-imapd).
DOVECOT := $(or $(shell command -v dovecot),/usr/sbin/dovecot)
APT_GET ?= $(shell command -v apt-get)
IS_ROOT ?= $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: run test smoke smoke-cluster install install-dev browser-deps lint types check-migrations messages clean

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
	$(BIN)/mypy . .ci/smoke_drive.py .ci/smoke_smtp.py

check-migrations: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

# Root with apt-get installs what the browser tests need, and the Dovecot the
# IMAP poller's tests start (tests/mailintake/conftest.py); anyone else is
# told the command, and make test stops before running anything.
browser-deps:
	@if [ ! -x "$(CHROMIUM_PATH)" ] || [ ! -f "$(CJK_FONT)" ] || [ ! -x "$(DOVECOT)" ]; then \
	    if [ -n "$(APT_GET)" ] && [ -n "$(IS_ROOT)" ]; then \
	        echo "Installing Debian's chromium, fonts-wqy-microhei and dovecot-imapd for the tests"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei dovecot-imapd >/dev/null; \
	    elif [ -n "$(APT_GET)" ]; then \
	        echo "The tests need Debian's Chromium, a CJK font and Dovecot's IMAP server. Run:" >&2; \
	        echo "    sudo apt-get install chromium fonts-wqy-microhei dovecot-imapd" >&2; \
	        exit 1; \
	    else \
	        echo "The tests need Chromium at $(CHROMIUM_PATH), the font $(CJK_FONT) and Dovecot at $(DOVECOT)." >&2; \
	        echo "On Debian: apt-get install chromium fonts-wqy-microhei dovecot-imapd; elsewhere install Chromium and Dovecot and set CHROMIUM_PATH." >&2; \
	        exit 1; \
	    fi; \
	fi
	@[ -x "$(CHROMIUM_PATH)" ] || { echo "No Chromium at CHROMIUM_PATH=$(CHROMIUM_PATH): point it at the chromium binary." >&2; exit 1; }
	@"$(CHROMIUM_PATH)" --version 2>/dev/null
	@[ -x "$(DOVECOT)" ] || { echo "No Dovecot at $(DOVECOT): install dovecot-imapd." >&2; exit 1; }
	@"$(DOVECOT)" --version 2>/dev/null | sed 's/^/Dovecot /'

test: browser-deps lint types check-migrations
	$(BIN)/pytest

# The production path: a fresh virtualenv with `pip install .`, DEBUG=0,
# PostgreSQL and Redis, gunicorn, a worker and beat, driven over HTTP
# (.ci/smoke says which database and Redis number it takes).
smoke: install-dev
	.ci/smoke

# The same through DEPLOYMENT.md's layout (needs nginx and pgbouncer).
smoke-cluster: install-dev
	SMOKE_CLUSTER=1 SMOKE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/committee_cluster \
	    SMOKE_BROKER_URL=redis://127.0.0.1:6379/3 SMOKE_DIR=$(CURDIR)/var/smoke-cluster .ci/smoke

# For developers: re-extract messages after changing strings (pure Python).
messages: install-dev
	$(BIN)/python manage.py updatetranslations

clean:
	rm -rf $(VENV) var *.egg-info
