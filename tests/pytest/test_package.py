"""The token_ledger package: one command, small modules, the landing contract read from the sources YAML."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import token_ledger
from token_ledger import cli, contract
from token_ledger.bench.hand_query import compare
from token_ledger.bench.measure import parse_size
from token_ledger.bench.settings import COUNT_COLUMNS, MONEY_COLUMNS, RATE_COLUMNS, duckdb_memory_limit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(token_ledger.__file__).resolve().parent
MAX_MODULE_LINES = 500  # DECISIONS.md: a longer module needs a reason written there


def all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="token_ledger."))


def test_the_package_is_the_one_in_this_project():
    assert PACKAGE_DIR == PROJECT_ROOT / "token_ledger"


@pytest.mark.parametrize("name", [m for m in all_modules() if m != "token_ledger.__main__"])
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(PROJECT_ROOT)): n
        for path in PACKAGE_DIR.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_nothing_edits_sys_path():
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in (PACKAGE_DIR, PROJECT_ROOT / "tests", PROJECT_ROOT / "benchmarks")
        for path in folder.rglob("*.py")
        if "sys.path.insert" in path.read_text() and path != Path(__file__).resolve()
    ]
    assert offenders == []


def test_the_command_lists_its_subcommands():
    completed = subprocess.run(
        [sys.executable, "-m", "token_ledger", "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    for name in cli.COMMANDS:
        assert name in completed.stdout
    console_script = Path(sys.executable).parent / "token-ledger"
    assert console_script.exists(), "make build installs the package (pip install -e .)"


def test_bad_generate_arguments_are_refused_before_any_work(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "token_ledger", "generate", "--out", str(tmp_path / "x"), "--weeks", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "--weeks must be >= 1" in completed.stderr
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------------------ the landing contract


def test_the_contract_is_the_sources_yaml():
    tables = {table.identifier: table for table in contract.landing_tables()}
    assert {"openai_costs", "openai_usage", "anthropic_costs", "anthropic_usage", "otel_spans"} <= set(tables)
    costs = tables["openai_costs"]
    assert costs.names[:3] == ["start_time", "end_time", "organization_id"]
    assert set(costs.core_names) <= set(costs.names)
    assert set(costs.core_names).isdisjoint(costs.optional_names)
    assert [c.name for c in costs.columns if c.required] == [
        "start_time",
        "organization_id",
        "line_item",
        "amount_value",
        "amount_currency",
    ]
    assert contract.landing_table("focus_charges").fallbacks == {
        "serviceprovidername": ("providername",),
        "skumeter": ("x_skumetername",),
        "invoiceid": ("x_invoiceid",),
    }
    with pytest.raises(KeyError, match="not declared"):
        contract.landing_table("no_such_table")


def test_the_billing_exports_are_the_registry_of_dbt_project_yml():
    """One declaration per export (var billing_exports): every entry names a declared landing table, its
    bucket column is a column of that table, and its raw key too."""
    exports = contract.billing_exports()
    assert {"openai_costs", "openai_usage", "anthropic_costs", "anthropic_usage", "focus_charges"} <= {
        export.name for export in exports
    }
    for export in exports:
        table = contract.landing_table(export.name)
        columns = {name.lower() for name in table.names}
        assert export.kind in ("costs", "usage"), export
        assert export.bucket_column.lower() in columns, export
        assert export.bucket_format in ("unix_seconds", "iso8601"), export
        assert {column.lower() for column in export.raw_key} <= columns, export
        if export.account_column:
            assert export.account_column.lower() in columns, export
    assert [export.name for export in contract.billing_exports(kind="usage")] == ["openai_usage", "anthropic_usage"]
    assert contract.billing_export("openai_costs").raw_key == ("project_id", "line_item", "api_key_id")
    with pytest.raises(KeyError, match="not a billing export"):
        contract.billing_export("invoices")


def test_optional_columns_are_read_from_meta(tmp_path):
    sources = tmp_path / "models" / "staging" / "x"
    sources.mkdir(parents=True)
    (sources / "_x__sources.yml").write_text(
        "version: 2\nsources:\n  - name: x\n    tables:\n      - name: t\n        identifier: x_t\n"
        "        columns:\n          - name: a\n            meta: {required: true}\n"
        "          - name: b\n            meta: {optional: true}\n          - name: C\n"
    )
    (table,) = contract.landing_tables(tmp_path)
    assert (table.identifier, table.names, table.core_names, table.optional_names) == (
        "x_t",
        ["a", "b", "C"],
        ["a", "C"],
        ["b"],
    )


# ------------------------------------------------------------------------------ benchmark helpers


def test_bench_sizes_and_comparison():
    assert parse_size("1m", 12) == ("1m", 1_000_000, 12)
    assert parse_size("100k", 12) == ("100k", 100_000, 12)
    assert parse_size("10m@120w", 12) == ("10m@120w", 10_000_000, 120)
    assert parse_size("1m@12w", 12) == ("1m", 1_000_000, 12)
    with pytest.raises(ValueError, match="number of weeks"):
        parse_size("10m@120d", 12)
    row = {"work_item_type": "ticket", "team_id": "t", "completion_month": "2026-09-01"}
    row |= dict.fromkeys(COUNT_COLUMNS, 1) | dict.fromkeys(MONEY_COLUMNS + RATE_COLUMNS, 0.5)
    assert compare([row], [dict(row)]) == []
    assert compare([row], [dict(row, ai_cost_usd=0.6)]) != []


def test_the_benchmark_reports_the_memory_limit_dbt_runs_with(monkeypatch):
    """RESULTS.md names DuckDB's memory limit: the variable when set, else profiles.yml's default (one home)."""
    monkeypatch.delenv("DBT_DUCKDB_MEMORY_LIMIT", raising=False)
    profile = (PROJECT_ROOT / "profiles.yml").read_text()
    assert f"env_var('DBT_DUCKDB_MEMORY_LIMIT', '{duckdb_memory_limit()}')" in profile
    monkeypatch.setenv("DBT_DUCKDB_MEMORY_LIMIT", "2GB")
    assert duckdb_memory_limit() == "2GB"


def test_a_new_provider_is_a_staging_folder_plus_one_registry_entry():
    """The Mistral export (issue 13): its sources YAML and one billing_exports entry; a landing directory
    without its file still builds (meta.may_be_absent: every fixture but real_bills has none)."""
    mistral = contract.billing_export("mistral_costs")
    assert (mistral.kind, mistral.provider, mistral.staging_model) == ("costs", "mistral", "stg_mistral__costs")
    assert contract.landing_table("mistral_costs").may_be_absent
    assert not contract.landing_table("openai_costs").may_be_absent
    models = Path(__file__).resolve().parents[2] / "models"
    assert {path.name for path in (models / "staging" / "mistral").rglob("*.sql")} == {
        "base_mistral__costs.sql",
        "stg_mistral__costs.sql",
        "stg_mistral__quarantined_rows.sql",
    }
    # no model lists the exports by hand: the billing models name no provider's staging model
    for name in (
        "int_billing_export_rows",
        "int_billing_lines",
        "int_billing_quarantine",
        "int_billing_usage_quantities",
    ):
        text = (models / "intermediate" / "billing" / f"{name}.sql").read_text()
        assert "stg_openai" not in text and "stg_focus" not in text and "stg_mistral" not in text, name
