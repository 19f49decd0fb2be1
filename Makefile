# coopshop: `make run` serves the shop with demo data; `make test` runs the whole suite;
# `make e2e` runs the browser journeys in Debian's Chromium.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
E2E_STAMP := $(VENV)/.installed-e2e
CHROMIUM := /usr/bin/chromium
AXE := tests/e2e/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FLASK := $(BIN)/flask --app wsgi
# `make run PORT=8000` when 5000 is taken (AirPlay takes it on many Macs).
PORT ?= 5000
# `make run` is development (wsgi.py alone means production).
DEV_FLASK := FLASK_CONFIG=development $(FLASK)

.PHONY: run test lint format e2e bench probe translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP) $@

$(E2E_STAMP): requirements.txt requirements-dev.txt requirements-e2e.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-e2e.txt
	touch $(STAMP) $(DEV_STAMP) $@

# Debian's browser, driven by Playwright through executable_path (never `playwright install`).
$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# axe-core from npm, pinned with its integrity hash in tests/e2e/package-lock.json.
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --ignore-scripts
	touch $@

translations: $(STAMP)
	$(BIN)/pybabel compile -d coopshop/translations -f --statistics

run: $(STAMP) translations
	$(DEV_FLASK) db upgrade
	$(DEV_FLASK) ledger rebuild-rollups --if-empty
	$(DEV_FLASK) seed-demo --if-empty
	$(DEV_FLASK) run --host 127.0.0.1 --port $(PORT)

# The browser tests are deselected here (pyproject.toml: -m "not e2e"); `make e2e` runs them.
test: $(DEV_STAMP) translations
	$(BIN)/pytest $(PYTEST_ARGS)

# The journeys on a phone and a desktop viewport, axe-core checks, screenshots in docs/screenshots/.
e2e: $(E2E_STAMP) translations $(AXE) | $(CHROMIUM)
	$(BIN)/pytest tests/e2e -m e2e $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract the strings to translate and merge them into the catalogues.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o coopshop/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i coopshop/translations/messages.pot -d coopshop/translations --no-fuzzy-matching

# Debian's wrk drives the pages in `make bench`.
WRK := /usr/bin/wrk
$(WRK):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk

# The benchmark at full size (README "Performance"): PostgreSQL on 127.0.0.1:5432 (a fresh
# database coopshop_bench, or DATABASE_URL) and Redis on :6379. A quick run:
# `make bench BENCH_ARGS="--scale 0.01 --runs 1 --duration 3s"`.
bench: $(DEV_STAMP) translations | $(WRK)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Bad input and faults sent from outside to a production-configured gunicorn on PostgreSQL and
# Redis (a fresh database, dropped after); prints the table, writes bench/results/probe-<date>.md.
probe: $(DEV_STAMP) translations
	$(BIN)/python -m bench.probe

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/e2e/node_modules
