"""Real bills in (issue 13, real-inputs.md 3 and 4): tests/fixtures/real_bills, built once per module.

The landing directory holds what nobody here wrote: 57 rows of the FinOps Foundation's FOCUS 1.0 sample
(CC BY 4.0, byte for byte) in one file with AI rows built from the clouds' real meter strings in the FOCUS
1.1 / 1.2 / 1.3 column sets and the x_ extensions, the OpenAI and Anthropic Admin API shapes with their real
line-item strings, and the Mistral export the registry of billing exports gained. EXPECTED.md there has the
arithmetic, worked by hand; every number below comes from it.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import Build, build_project, fixture_dir, require_success

FIXTURE = fixture_dir("real_bills")
TOLERANCE = 1e-6
MODELS = ("fct_spend_ledger", "mart_invoice_reconciliation", "fct_quarantined_rows", "mart_unexplained_charges")
AWS, GCP = "1234567890123", "01A2B3-C4D5E6-F7A8B9"
AZURE = "/providers/Microsoft.Billing/billingAccounts/8611537"
SAMPLE = {"aws.bedrock": -2.14587792280, "azure.ai.openai": 1.97565854836, "oracle": 0.53707392473}


@pytest.fixture(scope="module")
def bills(fixture_build: Callable[..., Build]) -> Build:
    build = fixture_build("real_bills")
    require_success(build, nodes=MODELS)
    return build


def approx(value: float) -> Any:
    return pytest.approx(value, abs=TOLERANCE)


def one(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    __tracebackhide__ = True
    if len(rows) != 1:
        pytest.fail(f"{label}: expected one row, found {len(rows)}: {rows}")
    return rows[0]


# ---------------------------------------------------------------------------------------------
# the build and the money


def test_build_succeeds_with_warnings_only(bills: Build) -> None:
    require_success(bills)
    warned = {node.name: node.failures for node in bills.warned()}
    assert warned["warn_unexplained_charges"] == 5
    assert warned["has_no_rows_fct_quarantined_rows_"] == 2


# EXPECTED.md, "Money in": every charge of the landing files once (the latest pull of a bucket, one copy of
# an identical row, both rows of a conflict), in its billing currency
MONEY_IN = {"USD": 33.60685455029, "EUR": 7.10}


def test_money_in_equals_ledger_out_per_currency(bills: Build) -> None:
    """Nothing lost, nothing doubled: Σ of the ledger's billing-currency amounts, every category (quarantine
    included), per currency, is Σ of the charges of the landing files."""
    rows = bills.query("select currency, sum(amount) as amount from marts.fct_spend_ledger group by 1")
    assert {row["currency"]: row["amount"] for row in rows} == {c: approx(a) for c, a in MONEY_IN.items()}


LEDGER_USD = {
    "allocated": 3.00 + 0.408,
    "untraced": 5.035 + 2.40 + 2.60 + 3.082 + 5.80 + 7.00 * 1.10,
    "usage_other": 2.00 + 0.26 + 2.505 + 0.10 * 1.10,
    "tax": 0.70,
    "out_of_scope": sum(SAMPLE.values()) + 5.00,
}


def test_ledger_usd_by_category(bills: Build) -> None:
    rows = bills.query(
        "select category, sum(amount_usd) as usd, sum(amount) as amount from marts.fct_spend_ledger group by 1"
    )
    by_category = {row["category"]: row for row in rows}
    assert {k: v["usd"] for k, v in by_category.items() if k != "quarantined"} == {
        k: approx(v) for k, v in LEDGER_USD.items()
    }
    assert (by_category["quarantined"]["usd"], by_category["quarantined"]["amount"]) == (None, approx(0.45))


def test_ledger_equals_billed_usd_per_provider_and_month(bills: Build) -> None:
    differences = bills.query(
        """
        with billed as (
            select provider, charge_month, sum(billed_usd) as usd from intermediate.int_billing_lines
            where quarantine_reason is null group by 1, 2
        ), landed as (
            select provider, charge_month, sum(amount_usd) as usd from marts.fct_spend_ledger
            where category <> 'quarantined' group by 1, 2
        )
        select * from billed full outer join landed using (provider, charge_month)
        where abs(coalesce(billed.usd, 0) - coalesce(landed.usd, 0)) > 1e-6
        """
    )
    assert differences == []


# ---------------------------------------------------------------------------------------------
# invoices: every one matches, the lines of the services that are not AI included

INVOICES = {
    # invoice: (lines_subtotal, lines_tax, allocated, untraced, non-token, out of scope, quarantined amount)
    "2024090001": (7.88912207720, 0.70, 3.00, 5.035, 2.70, SAMPLE["aws.bedrock"], 0.0),
    "G052617290": (4.37565854836, 0.0, 0.0, 2.40, 0.0, SAMPLE["azure.ai.openai"], 0.0),
    "INV-OAI-202606": (3.75, 0.0, 0.408, 3.082, 0.26, 0.0, 0.45),
    "INV-ANT-202606": (8.305, 0.0, 0.0, 5.80, 2.505, 0.0, 0.0),
}
COLUMNS = ("lines_subtotal", "lines_tax", "allocated_usd", "untraced_usd", "non_token_usd", "out_of_scope_usd",
           "quarantined_amount")  # fmt: skip


@pytest.mark.parametrize("invoice_id", list(INVOICES))
def test_every_invoice_matches_including_its_non_ai_lines(bills: Build, invoice_id: str) -> None:
    row = one(
        bills.query("select * from marts.mart_invoice_reconciliation where invoice_id = ?", [invoice_id]), invoice_id
    )
    assert row["status"] == "matched", row
    assert {column: row[column] for column in COLUMNS} == dict(
        zip(COLUMNS, [approx(value) for value in INVOICES[invoice_id]], strict=True)
    )


def test_lines_no_invoice_covers_are_uninvoiced(bills: Build) -> None:
    rows = bills.query(
        "select provider, billing_account_id, month, currency, lines_subtotal, out_of_scope_usd"
        " from marts.mart_invoice_reconciliation where invoice_id is null order by 1, 3"
    )
    assert [(r["provider"], r["billing_account_id"], r["month"].isoformat(), r["currency"]) for r in rows] == [
        ("gcp.vertex_ai", GCP, "2024-09-01", "USD"),
        ("mistral", "org-mistral-1", "2026-06-01", "EUR"),
        ("oracle", "20209880", "2024-09-01", "USD"),
        ("oracle", "20209880", "2024-10-01", "USD"),
    ]
    assert [r["lines_subtotal"] for r in rows] == [approx(7.60), approx(7.10), approx(0.29707392473), approx(0.24)]
    assert rows[0]["out_of_scope_usd"] == approx(5.00)


def test_a_correction_counts_toward_the_invoice_that_carries_it_and_the_period_it_corrects(bills: Build) -> None:
    line = one(
        bills.query("select * from intermediate.int_billing_lines where charge_date = '2024-08-28'"), "correction"
    )
    assert (line["invoice_id"], line["invoice_date"].isoformat(), line["billed_amount"]) == (
        "2024090001",
        "2024-09-01",
        approx(0.30),
    )
    cell = one(
        bills.query("select * from marts.fct_spend_ledger where charge_date = '2024-08-28'"), "August ledger cell"
    )
    assert (cell["charge_month"].isoformat(), cell["category"], cell["amount_usd"]) == (
        "2024-08-01",
        "untraced",
        approx(0.30),
    )


# ---------------------------------------------------------------------------------------------
# FOCUS as clouds export it


def test_the_focus_sample_is_out_of_scope_and_nothing_of_it_is_quarantined(bills: Build) -> None:
    """EC2, storage, networking: real money on the same invoices, not malformed rows."""
    rows = bills.query(
        "select provider, charge_category, count(*) as n, sum(amount) as amount"
        " from intermediate.int_billing_export_rows"
        " where billing_export = 'focus_charges' and charge_category = 'out_of_scope' group by 1, 2"
    )
    sample = {r["provider"]: (r["n"], r["amount"]) for r in rows if r["provider"] in SAMPLE}
    counts = {"aws.bedrock": 32, "azure.ai.openai": 18, "oracle": 7}
    assert sample == {provider: (n, approx(SAMPLE[provider])) for provider, n in counts.items()}
    base = bills.query("select count(*) as n from staging.base_focus__charges where quarantine_reason is not null")
    assert base[0]["n"] == 0


SONNET, HAIKU = "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"
MINI = "gpt-4o-mini-2024-07-18"
FOCUS_TOKENS = {
    # meter: (provider, model, token type, billed tokens)
    "USE1-Claude4.5Sonnet-input-tokens": ("aws.bedrock", SONNET, "input", 1000000),
    "USE1-Claude4.5Sonnet-output-tokens": ("aws.bedrock", SONNET, "output", 200000),
    "USE1-Claude4.5Sonnet-cache-write-input-token-count": ("aws.bedrock", SONNET, "cache_write", 100000),
    "USE1-Claude4.5Sonnet-cache-read-input-token-count": ("aws.bedrock", SONNET, "cached_input", 500000),
    "USE1-NovaMicro-output-tokens": ("aws.bedrock", "amazon.nova-micro-v1:0", "output", 500000),
    "USW2-MP:USW2_InputTokenCount-Units": ("aws.bedrock", HAIKU, "input", 1000000),
    "gpt-4o-mini-0718-Inp-glbl Tokens": ("azure.ai.openai", MINI, "input", 10000000),
    "gpt 4o mini 0718 cached Inp glbl Tokens": ("azure.ai.openai", MINI, "cached_input", 4000000),
    "gpt-4o-mini-0718-Outp-glbl Tokens": ("azure.ai.openai", MINI, "output", 1000000),
    "Gemini 2.5 Flash GA Text Input - Predictions": ("gcp.vertex_ai", "gemini-2.5-flash", "input", 2000000),
    "Gemini 2.5 Flash GA Text Output - Predictions": ("gcp.vertex_ai", "gemini-2.5-flash", "output", 400000),
    "Gemini 2.5 Pro Thinking Text Output - Predictions": ("gcp.vertex_ai", "gemini-2.5-pro", "output", 100000),
}  # fmt: skip


@pytest.mark.parametrize("meter", list(FOCUS_TOKENS))
def test_a_cloud_meter_names_model_and_token_type(bills: Build, meter: str) -> None:
    rows = bills.query(
        "select provider, model_name, token_type, billed_tokens from intermediate.int_billing_export_rows"
        " where billing_export = 'focus_charges' and meter = ? and charge_date <> '2024-08-28'",
        [meter],
    )
    row = one(rows, meter)
    assert (row["provider"], row["model_name"], row["token_type"], row["billed_tokens"]) == FOCUS_TOKENS[meter]


def test_a_charge_billed_for_two_resources_is_two_charges(bills: Build) -> None:
    staged = bills.query(
        "select amount from staging.stg_focus__charges where usage_type = 'USE1-NovaMicro-input-tokens'"
    )
    assert [row["amount"] for row in staged] == [approx(0.07), approx(0.07)]
    line = one(
        bills.query(
            "select * from intermediate.int_billing_lines"
            " where model = 'amazon.nova-micro-v1:0' and token_type = 'input'"
        ),
        "Nova Micro input line",
    )
    assert (line["billed_amount"], line["billed_quantity"], line["export_rows"]) == (approx(0.14), 4000000, 2)


def test_an_invoice_named_through_an_x_column_is_that_invoice(bills: Build) -> None:
    """Azure writes the invoice in x_InvoiceId and the meter in x_SkuMeterName (FocusCost before 1.2)."""
    lines = bills.query(
        "select distinct invoice_id from intermediate.int_billing_lines where billing_account_id = ?"
        " and charge_category = 'usage_tokens'",
        [AZURE],
    )
    assert [row["invoice_id"] for row in lines] == ["G052617290"]


# ---------------------------------------------------------------------------------------------
# OpenAI and Anthropic as their Admin APIs return them

NOT_TOKENS, UNKNOWN_TYPE = "line_item is not a token line", "unknown token type in line_item"
LINE_ITEMS = {
    # line item: (prefix, model, modality, token type, qualifiers, category, unexplained)
    f"{MINI}, cached input": (None, MINI, None, "cached_input", None, "usage_tokens", None),
    "gpt-5.6-terra, cache writes": (None, "gpt-5.6-terra", None, "cache_write", None, "usage_tokens", None),
    "priority | gpt-5.4-2026-03-05, output, long context": (
        "priority", "gpt-5.4-2026-03-05", None, "output", "long context", "usage_tokens", None,
    ),
    f"evals | {MINI}, input": ("evals", MINI, None, "input", None, "usage_tokens", None),
    "gpt-image-2-2026-04-21 image, output": (
        None, "gpt-image-2-2026-04-21", "image", "output", None, "usage_tokens", None,
    ),
    "whisper-1, audio": (None, None, None, None, None, "usage_other", UNKNOWN_TYPE),
    "web search tool calls": (None, None, None, None, None, "usage_other", NOT_TOKENS),
    "assistants api | file search": ("assistants api", None, None, None, None, "usage_other", NOT_TOKENS),
}  # fmt: skip


@pytest.mark.parametrize("line_item", list(LINE_ITEMS))
def test_openai_line_items_are_read_by_the_real_grammar(bills: Build, line_item: str) -> None:
    row = one(bills.query("select * from staging.stg_openai__costs where line_item = ?", [line_item]), line_item)
    columns = ("line_item_prefix", "model_name", "line_item_modality", "token_type", "line_item_qualifiers",
               "charge_category", "unexplained_reason")  # fmt: skip
    assert tuple(row[column] for column in columns) == LINE_ITEMS[line_item]


def test_known_non_token_items_are_explained_unknown_ones_flagged(bills: Build) -> None:
    rows = bills.query(
        "select meter, charge_category, unexplained_reason, meter_pattern from intermediate.int_billing_export_rows"
        " where billing_export = 'openai_costs' and charge_category = 'usage_other' order by 1"
    )
    assert [(r["meter"], r["unexplained_reason"]) for r in rows] == [
        ("Text tokens", "line_item is not a token line"),
        ("Vector storage", None),
        ("assistants api | file search", None),
        ("web search tool calls", None),
        ("whisper-1, audio", None),
    ]


def test_usage_reads_cache_writes_and_zero_fractions(bills: Build) -> None:
    rows = bills.query(
        "select model, token_type, quantity from intermediate.int_billing_usage_quantities"
        " where provider = 'openai' and usage_date = '2026-06-01' order by 1, 2"
    )
    assert [(r["model"], r["token_type"], r["quantity"]) for r in rows] == [
        ("gpt-4o-mini-2024-07-18", "cache_write", 0),
        ("gpt-4o-mini-2024-07-18", "cached_input", 200000),
        ("gpt-4o-mini-2024-07-18", "input", 1000000),  # "1200000.0" read as 1200000
        ("gpt-4o-mini-2024-07-18", "output", 1000000),
        ("gpt-5.6-terra", "cache_write", 100000),
        ("gpt-5.6-terra", "cached_input", 0),
        ("gpt-5.6-terra", "input", 400000),  # 500000 - 0 - 100000: cache writes are inside input_tokens
        ("gpt-5.6-terra", "output", 0),
    ]


def test_a_repull_keeps_only_the_latest_extraction_of_a_bucket(bills: Build) -> None:
    openai = bills.query(
        "select line_item, amount from staging.stg_openai__costs where charge_date = '2026-06-02' order by 1"
    )
    assert [(r["line_item"], r["amount"]) for r in openai] == [
        ("gpt-4o-mini-2024-07-18, input", approx(0.12)),
        ("gpt-4o-mini-2024-07-18, output", approx(0.44)),
    ]  # the web search of the first pull is gone with it
    anthropic = bills.query(
        "select cost_type, amount from staging.stg_anthropic__costs where charge_date = '2026-06-01' order by 2"
    )
    assert [(r["cost_type"], r["amount"]) for r in anthropic] == [("tokens", approx(1.30)), ("tokens", approx(4.50))]
    superseded = bills.query(
        "select count(*) as n from staging.base_openai__costs where is_superseded"
        " union all select count(*) from staging.base_anthropic__costs where is_superseded"
        " union all select count(*) from staging.base_openai__usage where is_superseded"
    )
    assert [r["n"] for r in superseded] == [3, 3, 1]


def test_a_conflicting_redelivery_is_quarantined_whole_both_amounts_visible(bills: Build) -> None:
    rows = bills.query(
        "select quarantine_key, amount from marts.fct_quarantined_rows"
        " where quarantine_reason = 'conflicting re-delivery' order by 2"
    )
    assert [(r["quarantine_key"], r["amount"]) for r in rows] == [
        ("openai_costs.csv:18", approx(0.20)),
        ("openai_costs.csv:19", approx(0.25)),
    ]
    assert bills.query("select count(*) as n from intermediate.int_billing_lines where charge_date = '2026-06-03'"
                       " and token_type = 'input'")[0]["n"] == 0  # fmt: skip
    # the identical copy of the 06-03 output row is a duplicate, billed once
    output = one(
        bills.query("select * from intermediate.int_billing_lines where charge_date = '2026-06-03'"), "06-03 output"
    )
    assert (output["billed_amount"], output["export_rows"]) == (approx(0.30), 1)


def test_no_real_token_line_lands_in_quarantine(bills: Build) -> None:
    rows = bills.query("select landing_table, quarantine_reason from marts.fct_quarantined_rows")
    assert rows == [{"landing_table": "openai_costs", "quarantine_reason": "conflicting re-delivery"}] * 2


def test_the_quarantine_key_finds_the_row(bills: Build) -> None:
    """landing file + data row: the row a person opens is the row quarantined, raw values and all."""
    for row in bills.query("select * from marts.fct_quarantined_rows"):
        with open(FIXTURE / "landing" / row["landing_file"], newline="", encoding="utf-8") as handle:
            data = list(csv.DictReader(handle))[row["landing_row"] - 1]
        assert data["amount_value"] in row["raw_values"] and data["line_item"] == row["record_key"]
        assert row["quarantined_row_id"] == f"{row['landing_table']}:{row['landing_file']}:{row['landing_row']}"


def test_anthropic_rows_the_report_does_not_describe_are_kept_and_flagged(bills: Build) -> None:
    unexplained = bills.query(
        "select billing_export, meter, unexplained_reason, amount, tokens from marts.mart_unexplained_charges"
        " where provider = 'anthropic' order by 1"
    )
    assert [(r["billing_export"], r["amount"], r["tokens"]) for r in unexplained] == [
        ("anthropic_costs", approx(2.505), None),  # no cost_type: usage_other in the ledger
        ("anthropic_usage", None, 60000),  # priority tier: no cost line, left out of the quantities
    ]
    quantity = bills.query(
        "select quantity from intermediate.int_billing_usage_quantities where provider = 'anthropic'"
        " and token_type = 'input'"
    )
    assert [r["quantity"] for r in quantity] == [433333]


def test_unexplained_charges_name_their_meters(bills: Build) -> None:
    meters = {r["meter"] for r in bills.query("select meter from marts.mart_unexplained_charges")}
    assert meters == {
        "USE1-CustomModelStorage",
        "Text tokens",
        "cost report row without description",
        "claude-sonnet-4-5-20250929",
        "ocr, mistral-ocr-latest, pages",
    }
    log = (bills.project_dir / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "USE1-CustomModelStorage (unmapped meter)" in log


# ---------------------------------------------------------------------------------------------
# a new provider is a staging folder plus one registry entry


def test_mistral_is_read_through_the_registry(bills: Build) -> None:
    lines = bills.query(
        "select token_type, billed_amount, billed_quantity, billed_usd from intermediate.int_billing_lines"
        " where provider = 'mistral' order by 1 nulls last"
    )
    assert [(r["token_type"], r["billed_amount"], r["billed_quantity"], r["billed_usd"]) for r in lines] == [
        ("input", approx(4.00), 2000000, approx(4.40)),
        ("output", approx(3.00), 500000, approx(3.30)),
        (None, approx(0.10), None, approx(0.11)),
    ]
    manifest = (bills.project_dir / "dbt_project.yml").read_text(encoding="utf-8")
    assert manifest.count("mistral_costs:") == 1


# ---------------------------------------------------------------------------------------------
# the FOCUS 1.0 sample alone (the first thing a new user tried)


def test_the_focus_1_0_sample_alone_builds(tmp_path: Path) -> None:
    """A FOCUS 1.0 export has no SkuMeter, SkuPriceDetails, InvoiceId nor ServiceProviderName: the build reads
    it (it stopped on `missing column SkuMeter` before), every row once, none quarantined."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURE / "landing", landing)
    shutil.copyfile(FIXTURE / "sources" / "focus_sample_slice.csv", landing / "focus_charges.csv")
    build = build_project(
        landing,
        tmp_path,
        seeds_dir=FIXTURE / "seeds",
        select=["+int_billing_lines", "+stg_focus__quarantined_rows"],
        extra_args=["--indirect-selection", "cautious"],  # the tests of the selected models only
    )
    require_success(build)
    rows = build.query(
        "select provider, count(*) as n, sum(amount) as amount from intermediate.int_billing_export_rows"
        " where billing_export = 'focus_charges' and charge_category = 'out_of_scope' group by 1 order by 1"
    )
    assert [(r["provider"], r["n"], r["amount"]) for r in rows] == [
        ("aws.bedrock", 32, approx(SAMPLE["aws.bedrock"])),
        ("azure.ai.openai", 18, approx(SAMPLE["azure.ai.openai"])),
        ("oracle", 7, approx(SAMPLE["oracle"])),
    ]
    counts = build.query(
        "select count(*) as n, count(*) filter (where is_duplicate) as duplicates,"
        " count(*) filter (where quarantine_reason is not null) as quarantined from staging.base_focus__charges"
    )
    assert counts == [{"n": 57, "duplicates": 0, "quarantined": 0}]
