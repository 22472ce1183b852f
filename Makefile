# token_ledger: two commands from a fresh clone.
#   make build   install the runtime (requirements/runtime.lock) and the token_ledger package (editable,
#                the `token-ledger` command), generate the demo landing data if absent, dbt build --full-refresh
#   make test    the whole suite: dbt build (models + data tests + unit tests), pytest, sqlfluff, ruff
#                (adds the development tools of requirements/dev.lock), and the integration project
#                (integration_tests/: token_ledger installed as a package in a host project)

SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
DEMO_DIR := $(CURDIR)/data/demo

export DBT_PROJECT_DIR := $(CURDIR)
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_DUCKDB_PATH ?= $(CURDIR)/target/token_ledger.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: build test venv dev-venv lock demo dbt-build pytest lint integration-test clean

build: dbt-build

# Every install is from a lock (every transitive dependency pinned); the package itself is installed
# editable without build isolation, so nothing is fetched at build time (setuptools is in the lock).
# A lock applied on top of another changes nothing already installed: the locks agree (requirements/lock.sh).
PIP_LOCKED = $(BIN)/pip install --quiet --no-deps -r
venv: $(VENV)/.installed

$(VENV)/.installed: requirements/runtime.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(PIP_LOCKED) requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

dev-venv: $(VENV)/.installed-dev

$(VENV)/.installed-dev: requirements/dev.lock $(VENV)/.installed
	$(PIP_LOCKED) requirements/dev.lock
	touch $@

# requirements/*.lock from pyproject.toml (UPGRADE=1 to move to the newest allowed versions)
lock: dev-venv
	UV=$(BIN)/uv requirements/lock.sh

demo: $(DEMO_DIR)/_expected.json

$(DEMO_DIR)/_expected.json: $(wildcard token_ledger/generate/*.py) token_ledger/contract.py $(wildcard seeds/*.csv) | venv
	$(BIN)/token-ledger generate --out $(DEMO_DIR) --seed 42 --scale 1

dbt-build: venv demo
	mkdir -p target
	$(BIN)/dbt build --full-refresh --fail-fast

pytest: dev-venv demo
	$(BIN)/pytest tests/pytest

lint: dev-venv
	$(BIN)/sqlfluff lint models macros tests analyses
	$(BIN)/ruff check token_ledger tests scripts
	$(BIN)/ruff format --check token_ledger tests scripts

# integration_tests/ is a host project that installs this one from its local path (dbt deps links it, no
# network): its own schema names, FOCUS and contracts switched off, the demo data, token_ledger's tests.
IT_DIR := $(CURDIR)/integration_tests
IT_DBT := DBT_PROJECT_DIR=$(IT_DIR) DBT_PROFILES_DIR=$(IT_DIR) $(BIN)/dbt

integration-test: venv demo
	cd $(IT_DIR) && $(IT_DBT) deps && $(IT_DBT) build --full-refresh --fail-fast

test: dbt-build pytest lint integration-test

clean: postgres-stop
	rm -rf target logs $(DEMO_DIR) $(IT_DIR)/target $(IT_DIR)/dbt_packages $(IT_DIR)/logs

# ---- decisions: the CFO report and its browser (issue 8) ----------------------------------------
#   make report     the CFO report, one self-contained HTML file (plotly.js inlined: opens offline)
#   make chromium   Debian's chromium for the report's browser test (installed when absent, as root)

REPORT_HTML := $(CURDIR)/target/report/token_ledger_report.html

.PHONY: report chromium

report: venv demo
	@test -f "$(DBT_DUCKDB_PATH)" || $(MAKE) dbt-build
	$(BIN)/token-ledger report --database "$(DBT_DUCKDB_PATH)" --out "$(REPORT_HTML)"

chromium:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "Debian's chromium is missing: run 'sudo apt-get update && sudo apt-get install -y chromium'" >&2; \
		exit 1; \
	fi

# tests/pytest/test_report.py opens the report in chromium: install it before pytest runs
pytest: chromium

# ---- PostgreSQL: the same project on a warehouse ---------------------------------------------------
#   make test-postgres   local PostgreSQL 15 (Debian's package, installed and started when absent, data
#                        in target/postgres, 127.0.0.1 only), demo data loaded with COPY, dbt build
#                        --target postgres, then every mart compared row for row with the DuckDB build
#   make postgres-stop   stop that server
# The recipes point the DBT_POSTGRES_* variables at the local test server, whatever the environment says.
PG_PORT ?= 55432
PG_LOCAL := DBT_POSTGRES_HOST=127.0.0.1 DBT_POSTGRES_PORT=$(PG_PORT) DBT_POSTGRES_USER=token_ledger \
	DBT_POSTGRES_DBNAME=token_ledger DBT_POSTGRES_SCHEMA=public DBT_POSTGRES_PASSWORD="$$(cat $(CURDIR)/target/postgres/password)"

.PHONY: postgres-venv postgres-server postgres-stop postgres-load postgres-build test-postgres

postgres-venv: $(VENV)/.installed-postgres

$(VENV)/.installed-postgres: requirements/postgres.lock $(VENV)/.installed
	$(PIP_LOCKED) requirements/postgres.lock
	touch $@

postgres-server:
	DBT_POSTGRES_PORT=$(PG_PORT) scripts/local_postgres.sh start

postgres-stop:
	DBT_POSTGRES_PORT=$(PG_PORT) scripts/local_postgres.sh stop

postgres-load: postgres-venv postgres-server demo
	$(PG_LOCAL) $(BIN)/token-ledger load --landing $(DEMO_DIR)

postgres-build: postgres-load
	$(PG_LOCAL) $(BIN)/dbt build --target postgres --full-refresh --fail-fast --target-path target/postgres-dbt

test-postgres: dbt-build dev-venv postgres-build
	$(PG_LOCAL) TOKEN_LEDGER_POSTGRES_BUILD=1 $(BIN)/pytest tests/pytest/test_postgres_parity.py

# ---- benchmark (issue 6): the project against the engine's lower bound ----------------------------------
#   make bench                               sizes 1M and 10M spans over 12 weeks, and 10M over 120 weeks (the
#                                            daily volume of 1M: is the daily run flat in history?); data sets
#                                            generated once under data/bench/
#   make bench BENCH_ARGS=--quick            smoke test, about 100k spans
#   make bench BENCH_ARGS="--sizes 1m"       one size; see benchmarks/README.md for the other options
# Writes benchmarks/RESULTS.md; warehouses and dbt artifacts go to target/bench/.
BENCH_ARGS ?=

.PHONY: bench

bench: venv
	$(BIN)/token-ledger bench $(BENCH_ARGS)

# ---- Apache Spark: the same project on a distributed engine ------------------------------------------
#   make test-spark      demo data loaded into a local Spark warehouse (target/spark: Parquet tables, Derby
#                        metastore), dbt build --target spark (dbt-spark, method: session, local[2]), an
#                        incremental run of the span deliveries, then every relation compared row for row
#                        with the DuckDB build; then the same for the
#                        real-inputs fixture (its own warehouse, target/spark-fixtures), and the loader's own
#                        Spark tests (tests/pytest/test_load_spark.py). Needs Java 17.
SPARK_LOCAL := DBT_SPARK_HOME=$(CURDIR)/target/spark
REAL_INPUTS := $(CURDIR)/tests/fixtures/real_inputs/landing
SPARK_FIXTURE := DBT_SPARK_HOME=$(CURDIR)/target/spark-fixtures

.PHONY: spark-venv spark-load spark-build spark-fixture-build test-spark

spark-venv: $(VENV)/.installed-spark

$(VENV)/.installed-spark: requirements/spark.lock $(VENV)/.installed
	@command -v java >/dev/null || { echo "test-spark needs Java 17 (apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(PIP_LOCKED) requirements/spark.lock
	touch $@

spark-load: spark-venv demo
	$(SPARK_LOCAL) $(BIN)/token-ledger load --target spark --landing $(DEMO_DIR)

spark-build: spark-load
	$(SPARK_LOCAL) $(BIN)/dbt build --target spark --full-refresh --fail-fast --target-path target/spark-dbt
	# the incremental path: the span deliveries again, their window's date partitions dropped and re-read
	# (the parity test then compares that table, and the views over it, with DuckDB's)
	$(SPARK_LOCAL) $(BIN)/dbt run --target spark --select base_otel__span_deliveries --target-path target/spark-dbt

spark-fixture-build: spark-venv
	$(SPARK_FIXTURE) $(BIN)/token-ledger load --target spark --landing $(REAL_INPUTS)
	$(SPARK_FIXTURE) $(BIN)/dbt build --target spark --full-refresh --fail-fast --target-path target/spark-fixtures-dbt \
		--vars '{run_date: "2026-12-31"}'

test-spark: dbt-build dev-venv spark-build spark-fixture-build
	$(BIN)/pytest tests/pytest/test_load_spark.py
	$(SPARK_LOCAL) TOKEN_LEDGER_SPARK_BUILD=1 $(BIN)/pytest tests/pytest/test_spark_parity.py
	$(SPARK_FIXTURE) TOKEN_LEDGER_SPARK_BUILD=1 TOKEN_LEDGER_SPARK_FIXTURE=1 $(BIN)/pytest tests/pytest/test_spark_parity.py
