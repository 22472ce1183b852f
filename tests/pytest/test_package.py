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
from token_ledger.bench.settings import COUNT_COLUMNS, MONEY_COLUMNS, RATE_COLUMNS

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
    assert contract.landing_table("focus_charges").fallbacks == {"serviceprovidername": "providername"}
    with pytest.raises(KeyError, match="not declared"):
        contract.landing_table("no_such_table")


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
    assert parse_size("1m") == ("1m", 1_000_000)
    assert parse_size("100k") == ("100k", 100_000)
    row = {"work_item_type": "ticket", "team_id": "t", "completion_month": "2026-09-01"}
    row |= dict.fromkeys(COUNT_COLUMNS, 1) | dict.fromkeys(MONEY_COLUMNS + RATE_COLUMNS, 0.5)
    assert compare([row], [dict(row)]) == []
    assert compare([row], [dict(row, ai_cost_usd=0.6)]) != []
