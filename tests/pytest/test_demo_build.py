"""The demo build (``make build``) against what the generator planted (``data/demo/_expected.json``).

These tests read the warehouse ``make build`` produced (``DBT_DUCKDB_PATH``, default
``target/token_ledger.duckdb``); ``make test`` builds it first. Run alone:
``make build && .venv/bin/pytest tests/pytest/test_demo_build.py``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
DATABASE = Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_ROOT / "target" / "token_ledger.duckdb"))

LANDING_TABLES = {
    "openai_costs": ("base_openai__costs", "stg_openai__costs"),
    "openai_usage": ("base_openai__usage", "stg_openai__usage"),
    "anthropic_costs": ("base_anthropic__costs", "stg_anthropic__costs"),
    "anthropic_usage": ("base_anthropic__usage", "stg_anthropic__usage"),
    "focus_charges": ("base_focus__charges", "stg_focus__charges"),
    "invoices": ("base_accounts_payable__invoices", "stg_accounts_payable__invoices"),
    "otel_spans": ("base_otel__spans", "stg_otel__spans"),
    "tickets": ("base_helpdesk__tickets", "stg_helpdesk__tickets"),
    "claims": ("base_claims__claims", "stg_claims__claims"),
    "contracts": ("base_contracts__contracts", "stg_contracts__contracts"),
}


@pytest.fixture(scope="module")
def expected() -> dict:
    path = DEMO_DIR / "_expected.json"
    assert path.exists(), f"{path} is missing: run `make build` first"
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def db():
    assert DATABASE.exists(), f"{DATABASE} is missing: run `make build` first"
    connection = duckdb.connect(str(DATABASE), read_only=True)
    yield connection
    connection.close()


def rows(db, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


def test_quarantine_holds_exactly_the_planted_rows(db, expected):
    found = Counter(
        {
            (table, reason): n
            for table, reason, n in rows(
                db,
                "select landing_table, quarantine_reason, count(*) from marts.fct_quarantined_rows group by 1, 2",
            )
        }
    )
    planted = Counter(
        {(table, reason): n for table, reasons in expected["quarantine"].items() for reason, n in reasons.items()}
    )
    assert found == planted


@pytest.mark.parametrize("landing_table", sorted(LANDING_TABLES))
def test_every_raw_row_lands_exactly_once(db, expected, landing_table):
    base, staged = LANDING_TABLES[landing_table]
    raw = rows(db, f"select count(*) from raw.{landing_table}")[0][0]
    assert raw == expected["row_counts"][landing_table]
    n_staged = rows(db, f"select count(*) from staging.{staged}")[0][0]
    n_duplicates, n_quarantined = rows(
        db,
        f"select count(*) filter (where is_duplicate),"
        f" count(*) filter (where quarantine_reason is not null) from staging.{base}",
    )[0]
    assert raw == n_staged + n_duplicates + n_quarantined
    planted_in_staging = sum(
        n for reason, n in expected["quarantine"].get(landing_table, {}).items() if reason != "no fx rate for currency"
    )
    assert n_quarantined == planted_in_staging


def test_span_duplicates_are_the_planted_redeliveries(db, expected):
    n_duplicates = rows(db, "select count(*) from staging.base_otel__spans where is_duplicate")[0][0]
    assert n_duplicates == expected["duplicate_spans"] + expected["redelivered_spans"]


def test_invoice_statuses_are_the_planted_ones(db, expected):
    status = dict(
        rows(
            db,
            "select invoice_id, status from marts.mart_invoice_reconciliation where invoice_id is not null",
        )
    )
    for planted_status, invoice_ids in expected["invoices"].items():
        for invoice_id in invoice_ids:
            assert status[invoice_id] == planted_status, invoice_id
    assert len(status) == sum(len(ids) for ids in expected["invoices"].values())


def test_uninvoiced_months_are_reported(db, expected):
    uninvoiced = {
        (provider, account, str(month))
        for provider, account, month in rows(
            db,
            "select provider, billing_account_id, month from marts.mart_invoice_reconciliation"
            " where status = 'uninvoiced' and month is not null",
        )
    }
    for planted in expected["uninvoiced"]:
        assert (
            planted["provider"],
            planted["billing_account_id"],
            planted["month"],
        ) in uninvoiced


def test_ledger_equals_billed_usd_per_provider_month(db):
    differences = rows(
        db,
        """
        with billed as (
            select provider, charge_month, sum(billed_usd) as usd
            from intermediate.int_billing_lines where quarantine_reason is null group by 1, 2
        ), landed as (
            select provider, charge_month, sum(amount_usd) as usd
            from marts.fct_spend_ledger where category <> 'quarantined' group by 1, 2
        )
        select billed.provider, billed.charge_month, billed.usd, landed.usd
        from billed full outer join landed using (provider, charge_month)
        where abs(coalesce(billed.usd, 0) - coalesce(landed.usd, 0)) > 1e-6
        """,
    )
    assert differences == []
    months = rows(
        db,
        "select count(distinct (provider, charge_month)) from marts.fct_spend_ledger",
    )[0][0]
    assert months >= 10  # five providers over three months, so the check above covers real data


def test_every_outcome_class_appears_for_every_type(db):
    present = set(
        rows(
            db,
            "select work_item_type, outcome_class from marts.fct_work_items group by 1, 2",
        )
    )
    for work_item_type in ("ticket", "claim", "contract"):
        for outcome_class in ("open", "failed", "assisted", "automated"):
            assert (work_item_type, outcome_class) in present


def test_marginal_utility_is_computed_for_several_teams(db):
    teams = rows(
        db,
        "select team_id, count(marginal_token_utility) from marts.mart_marginal_token_utility"
        " group by 1 having count(marginal_token_utility) > 0",
    )
    assert len(teams) >= 3


def test_no_prompt_or_user_text_leaves_staging(db):
    """Span attributes carry prompts, completions, tool payloads and e-mail addresses: no column of
    an intermediate model or a mart may contain any of them."""
    canaries = [
        "@example.com",
        "gen_ai.input.messages",
        '"role"',
        "tool.call.arguments",
    ]
    text_columns = rows(
        db,
        """
        select table_schema, table_name, column_name from information_schema.columns
        where table_schema in ('intermediate', 'marts') and data_type = 'VARCHAR'
        """,
    )
    assert len(text_columns) > 50
    for schema, table, column in text_columns:
        for canary in canaries:
            hits = rows(
                db,
                f'select count(*) from {schema}.{table} where contains("{column}", ?)'.replace("?", f"'{canary}'"),
            )[0][0]
            assert hits == 0, f"{schema}.{table}.{column} contains {canary!r}"


# ---- real bill shapes (issue 13)


def test_out_of_scope_services_are_in_the_ledger_not_in_ai_spend(db, expected):
    """EC2, storage and VMs of the same cloud accounts are real money: ledger category out_of_scope in
    their billing currency's USD, on their invoices, never allocated nor in budgets."""
    ledger = dict(
        rows(db, "select provider, sum(amount) from marts.fct_spend_ledger where category = 'out_of_scope' group by 1")
    )
    planted = {
        provider: sum(float(amount) for amount in currencies.values())
        for provider, currencies in expected["out_of_scope_totals"].items()
    }
    assert ledger.keys() == planted.keys()
    for provider, amount in planted.items():
        assert ledger[provider] == pytest.approx(amount, abs=1e-6), provider
    invoiced = rows(db, "select sum(out_of_scope_usd) from marts.mart_invoice_reconciliation")[0][0]
    assert invoiced == pytest.approx(
        rows(db, "select sum(amount_usd) from marts.fct_spend_ledger where category = 'out_of_scope'")[0][0]
    )
    budgets = rows(db, "select count(*) from marts.mart_budget_vs_actual where spend_to_date_usd is null")[0][0]
    assert budgets == 0
    allocated = rows(
        db,
        "select count(*) from intermediate.int_billing_line_allocations"
        " where charge_category = 'out_of_scope' and (allocated_usd <> 0 or untraced_usd <> 0 or other_usd <> 0)",
    )[0][0]
    assert allocated == 0


def test_unexplained_charges_are_the_planted_ones(db, expected):
    found = set(rows(db, "select billing_export, provider, meter from marts.mart_unexplained_charges"))
    assert found == {(u["billing_export"], u["provider"], u["meter"]) for u in expected["unexplained_charges"]}


def test_a_correction_counts_toward_the_invoice_that_carries_it(db, expected):
    correction = expected["focus_correction"]
    line = rows(
        db,
        "select charge_date, invoice_date, invoice_id from intermediate.int_billing_lines"
        " where billing_export = 'focus_charges' and invoice_date <> cast(date_trunc('month', charge_date) as date)",
    )
    assert [(str(a), str(b)) for a, b, _ in line] == [(correction["charge_date"], correction["invoice_month"])]
    invoice_id = line[0][2]
    assert (
        rows(
            db,
            "select period_start_date from marts.mart_invoice_reconciliation where invoice_id = ?".replace(
                "?", f"'{invoice_id}'"
            ),
        )[0][0].isoformat()
        == correction["invoice_month"]
    )


def test_a_charge_billed_for_two_resources_is_two_charges(db, expected):
    pair = expected["two_resource_charge"]
    staged = rows(
        db,
        f"select amount from staging.stg_focus__charges where usage_type = '{pair['x_UsageType']}'"
        f" and charge_date = '{pair['charge_date']}'",
    )
    assert [amount for (amount,) in staged] == [pytest.approx(float(pair["amount_each"]))] * 2
    assert rows(db, "select count(*) from staging.base_focus__charges where is_duplicate")[0][0] == 0
