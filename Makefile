# The few commands a person needs. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-pgbouncer test-browser lint format einvoice fuzz bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install  ## set up the SQLite database, a demo merchant, and serve on 127.0.0.1:8000
	$(BIN)/faktura db upgrade
	$(BIN)/faktura demo
	$(BIN)/faktura serve --host $(HOST) --port $(PORT)

test: install  ## the whole suite, on SQLite and (when reachable, always in CI) PostgreSQL
	$(BIN)/pytest -q

test-sqlite: install
	FAKTURA_TEST_POSTGRES=0 $(BIN)/pytest -q

test-pgbouncer: install  ## the PostgreSQL tests again, through PgBouncer in transaction pooling mode (apt-get install pgbouncer)
	FAKTURA_TEST_PGBOUNCER=1 $(BIN)/pytest -q -m postgres

test-browser: install  ## the payment page in Chromium (apt-get install chromium); screenshots in artifacts/browser/
	$(BIN)/pytest -q tests/hosted/test_browser.py

lint: install  ## ruff, mypy, the import layers (import-linter) and SQL only in repositories
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tools/sql_outside_repositories.py src/faktura

format: install
	$(BIN)/ruff check --fix src tests bench tools
	$(BIN)/ruff format src tests bench tools

einvoice: install  ## the e-invoice corpus against the official rules in ../shared/einvoice
	$(BIN)/python -m tests.documents.conformance

fuzz: install  ## schemathesis against /openapi.json of a live server
	$(BIN)/python -m tests.fuzz.run

bench: install  ## throughput and latency on PostgreSQL (and SQLite); writes bench/results/
	$(BIN)/python -m bench.orders --admin-url $(PG_ADMIN_URL)
	$(BIN)/python -m bench.flow --admin-url $(PG_ADMIN_URL)
	$(BIN)/python -m bench.webhooks --admin-url $(PG_ADMIN_URL)
	$(BIN)/python -m bench.documents
	$(BIN)/python -m bench.billing_run --admin-url $(PG_ADMIN_URL)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .hypothesis
