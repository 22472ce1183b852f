# token_ledger: two commands from a fresh clone.
#   make build   install everything, generate the demo landing data if absent, dbt build
#   make test    the whole suite: dbt build (models + data tests + unit tests), pytest, sqlfluff, ruff

SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
DEMO_DIR := $(CURDIR)/data/demo

export DBT_PROJECT_DIR := $(CURDIR)
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_DUCKDB_PATH ?= $(CURDIR)/target/token_ledger.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: build test venv demo dbt-build pytest lint clean

build: dbt-build

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

demo: $(DEMO_DIR)/_expected.json

$(DEMO_DIR)/_expected.json: scripts/generate_landing.py $(wildcard seeds/*.csv) | venv
	$(BIN)/python scripts/generate_landing.py --out $(DEMO_DIR) --seed 42 --scale 1

dbt-build: venv demo
	mkdir -p target
	$(BIN)/dbt build --fail-fast

pytest: venv demo
	$(BIN)/pytest tests/pytest

lint: venv
	$(BIN)/sqlfluff lint models macros tests analyses
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests

test: dbt-build pytest lint

clean:
	rm -rf target logs $(DEMO_DIR)
