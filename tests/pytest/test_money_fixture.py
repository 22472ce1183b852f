"""The hand-computed money fixture (tests/fixtures/money): every allocation edge of metrics.md 3.

The expected numbers in tests/fixtures/money/expected.json were worked out by hand from the spec
(arithmetic in tests/fixtures/money/EXPECTED.md), never by running the project. The fixture is built
once per session; every expected row is its own test, and money is compared to 1e-6 USD.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from harness import Build, fixture_dir, require_success

FIXTURE = fixture_dir("money")
EXPECTED: dict[str, Any] = json.loads((FIXTURE / "expected.json").read_text())
TOLERANCE = 1e-6

# The marts (and the one intermediate model) these tests read; each must have been built.
MARTS = (
    "fct_model_calls",
    "fct_spend_ledger",
    "mart_invoice_reconciliation",
    "fct_quarantined_rows",
)


@pytest.fixture(scope="module")
def money(fixture_build: Callable[..., Build]) -> Build:
    build = fixture_build("money")
    require_success(build, nodes=MARTS)
    return build


# ---------------------------------------------------------------------------------------------
# comparison helpers


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(actual) == expected
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=0, abs_tol=TOLERANCE)
    return _text(actual) == expected


def assert_fields(actual: dict[str, Any], expected: dict[str, Any], fields: Iterable[str], label: str) -> None:
    __tracebackhide__ = True
    wrong = [
        f"  {name}: expected {expected[name]!r}, got {_text(actual.get(name))!r}"
        for name in fields
        if not _same(actual.get(name), expected[name])
    ]
    if wrong:
        pytest.fail(f"{label}:\n" + "\n".join(wrong) + f"\n  row: { ({k: _text(v) for k, v in actual.items()}) }")


def _id(row: dict[str, Any], *keys: str) -> str:
    return "|".join(str(row[key]) for key in keys)


def _one(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    __tracebackhide__ = True
    if len(rows) != 1:
        pytest.fail(f"{label}: expected exactly one row, found {len(rows)}: {rows}")
    return rows[0]


# ---------------------------------------------------------------------------------------------
# the build


def test_build_succeeds(money: Build) -> None:
    """The whole build (models, seeds, data tests, unit tests) passes on the fixture: every row of it
    is valid input per landing.md, so an error-severity test failing here is a project bug."""
    require_success(money)
    assert money.statuses, "run_results.json lists no node"


def test_planted_quarantine_is_warned_not_failed(money: Build) -> None:
    """The two planted bad lines (CHF without an FX rate) make the quarantine tests warn with their row
    counts (landing.md: warned on, never breaks the build); the OpenAI line item with an unknown token
    type is real money, kept as usage_other and warned on as unexplained (real-inputs.md 4)."""
    counts = {
        node.name: (node.status, node.failures)
        for node in money.nodes.values()
        if node.resource_type == "test" and node.name.startswith("has_no_rows_")
    }

    def find(prefix: str) -> tuple[str, int | None]:
        matches = [value for name, value in counts.items() if name.startswith(prefix)]
        assert len(matches) == 1, f"{prefix}: {counts}"
        return matches[0]

    assert find("has_no_rows_stg_openai__quarantined_rows") == ("pass", 0)
    assert find("has_no_rows_fct_quarantined_rows") == ("warn", 2)
    unexplained = [node for node in money.nodes.values() if node.name == "warn_unexplained_charges"]
    # the reasoning line item, and the FOCUS meters no billing_meters row names (Fine-tuning Hosting
    # twice: az-222 and az-333, Knowledge Base Storage, Provisioned Throughput): EXPECTED.md
    assert [(node.status, node.failures) for node in unexplained] == [("warn", 5)]
    assert find("has_no_rows_stg_focus__quarantined_rows") == ("pass", 0)


# ---------------------------------------------------------------------------------------------
# fct_model_calls, call by call

CALLS = EXPECTED["model_calls"]
CALL_ASPECTS = {
    "identity": (
        "trace_id",
        "team_id",
        "provider",
        "model",
        "call_date",
        "workflow_name",
        "workflow_step",
    ),
    "tokens": (
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
    ),
    "list_cost": ("list_cost_usd",),
    "allocated_cost": ("allocated_cost_usd",),
    "flags": ("is_unpriced", "is_unbilled"),
    "provisional": ("provisional_cost_usd", "provider_billed_through_date"),
}


def test_model_calls_are_exactly_the_expected_spans(money: Build) -> None:
    """Nine calls: the identical redelivery of c1 and the superseded delivery of c2 are one span each."""
    span_ids = [row["span_id"] for row in money.query("select span_id from marts.fct_model_calls order by 1")]
    assert span_ids == sorted(call["span_id"] for call in CALLS)


@pytest.mark.parametrize("aspect", list(CALL_ASPECTS))
@pytest.mark.parametrize("expected", CALLS, ids=[call["span_id"] for call in CALLS])
def test_model_call(money: Build, expected: dict[str, Any], aspect: str) -> None:
    row = _one(
        money.query(
            "select * from marts.fct_model_calls where span_id = ?",
            [expected["span_id"]],
        ),
        f"fct_model_calls span {expected['span_id']}",
    )
    assert_fields(
        row,
        expected,
        CALL_ASPECTS[aspect],
        f"call {expected['span_id']} ({expected['note']}), {aspect}",
    )


def test_model_call_batch_flag(money: Build) -> None:
    rows = money.query("select span_id, is_batch from marts.fct_model_calls where is_batch")
    assert [row["span_id"] for row in rows] == [call["span_id"] for call in CALLS if call["is_batch"]]


def test_total_allocated_to_calls(money: Build) -> None:
    expected = sum(call["allocated_cost_usd"] for call in CALLS)  # 56.70
    assert money.scalar("select sum(allocated_cost_usd) from marts.fct_model_calls") == pytest.approx(
        expected, abs=TOLERANCE
    )


# ---------------------------------------------------------------------------------------------
# allocation pools (int_allocation_pools is internal: these tests localise a wrong call cost)

POOLS = EXPECTED["pools"]


@pytest.mark.parametrize(
    "expected",
    POOLS,
    ids=[_id(p, "provider", "model", "charge_date", "token_type", "is_batch") for p in POOLS],
)
def test_allocation_pool(money: Build, expected: dict[str, Any]) -> None:
    if not money.relation_exists("intermediate", "int_allocation_pools"):
        pytest.fail("intermediate.int_allocation_pools is gone: update this test to the pool model's new name")
    row = _one(
        money.query(
            """
            select * from intermediate.int_allocation_pools
            where provider = ? and model = ? and charge_date = ? and token_type = ? and is_batch = ?
            """,
            [
                expected["provider"],
                expected["model"],
                expected["charge_date"],
                expected["token_type"],
                expected["is_batch"],
            ],
        ),
        f"pool {expected}",
    )
    fields = ["billed_usd", "traced_tokens"]
    if expected["effective_billed_quantity"] is not None:
        fields.append("effective_billed_quantity")
    if expected["attributed_fraction"] is not None:
        fields.append("attributed_fraction")
    assert_fields(
        row,
        expected,
        fields,
        f"pool {_id(expected, 'provider', 'model', 'charge_date', 'token_type')}",
    )


# ---------------------------------------------------------------------------------------------
# fct_spend_ledger, cell by cell

LEDGER = EXPECTED["ledger"]
LEDGER_KEY = ("provider", "billing_account_id", "charge_date", "team_id", "category")


def test_ledger_has_exactly_the_expected_cells(money: Build) -> None:
    """No cell is missing and no unexpected cell holds money (an all-zero extra cell is tolerated)."""
    rows = money.query("select * from marts.fct_spend_ledger")
    actual = {tuple(_text(row[k]) for k in LEDGER_KEY): row for row in rows}
    expected = {tuple(cell[k] for k in LEDGER_KEY) for cell in LEDGER}
    missing = sorted(expected - set(actual))
    extra = sorted(
        key
        for key, row in actual.items()
        if key not in expected and not (row["amount_usd"] in (None, 0) and row["amount"] in (None, 0))
    )
    assert not missing and not extra, f"missing cells: {missing}\nunexpected cells: {extra}"


@pytest.mark.parametrize("expected", LEDGER, ids=[_id(c, *LEDGER_KEY) for c in LEDGER])
def test_ledger_cell(money: Build, expected: dict[str, Any]) -> None:
    row = _one(
        money.query(
            """
            select * from marts.fct_spend_ledger
            where provider = ? and billing_account_id = ? and charge_date = ? and team_id = ? and category = ?
            """,
            [expected[k] for k in LEDGER_KEY],
        ),
        f"ledger cell {_id(expected, *LEDGER_KEY)}",
    )
    assert_fields(
        row,
        expected,
        ("currency", "amount", "amount_usd"),
        f"ledger {_id(expected, *LEDGER_KEY)} ({expected['note']})",
    )


# ---------------------------------------------------------------------------------------------
# the invariant: per provider and month, Σ billed USD = Σ ledger USD

INVARIANT = EXPECTED["invariant"]


@pytest.mark.parametrize("expected", INVARIANT, ids=[_id(i, "provider", "month") for i in INVARIANT])
def test_ledger_equals_billed_usd_per_provider_month(money: Build, expected: dict[str, Any]) -> None:
    ledger_usd = money.scalar(
        """
        select sum(amount_usd) from marts.fct_spend_ledger
        where provider = ? and date_trunc('month', charge_date) = cast(? as date) and amount_usd is not null
        """,
        [expected["provider"], expected["month"]],
    )
    assert ledger_usd == pytest.approx(expected["billed_usd"], abs=TOLERANCE)


@pytest.mark.parametrize("expected", INVARIANT, ids=[_id(i, "provider", "month") for i in INVARIANT])
def test_ledger_allocated_equals_calls_allocated_per_provider_month(money: Build, expected: dict[str, Any]) -> None:
    """What the ledger calls allocated is what the calls received (both by charge date = call date)."""
    calls = money.scalar(
        """
        select coalesce(sum(allocated_cost_usd), 0) from marts.fct_model_calls
        where provider = ? and date_trunc('month', call_date) = cast(? as date)
        """,
        [expected["provider"], expected["month"]],
    )
    ledger = money.scalar(
        """
        select coalesce(sum(amount_usd), 0) from marts.fct_spend_ledger
        where provider = ? and date_trunc('month', charge_date) = cast(? as date) and category = 'allocated'
        """,
        [expected["provider"], expected["month"]],
    )
    hand = sum(
        c["allocated_cost_usd"]
        for c in CALLS
        if c["provider"] == expected["provider"] and c["call_date"][:7] == expected["month"][:7]
    )
    assert (calls, ledger) == (
        pytest.approx(hand, abs=TOLERANCE),
        pytest.approx(hand, abs=TOLERANCE),
    )


def test_hand_expectations_are_self_consistent() -> None:
    """Guards the fixture itself: the hand-computed ledger sums to the hand-computed billed USD."""
    by_month: dict[tuple[str, str], float] = defaultdict(float)
    for cell in LEDGER:
        if cell["amount_usd"] is not None:
            by_month[(cell["provider"], cell["charge_date"][:7] + "-01")] += cell["amount_usd"]
    for expected in INVARIANT:
        assert by_month[(expected["provider"], expected["month"])] == pytest.approx(expected["billed_usd"], abs=1e-9)
    allocated = defaultdict(float)
    for cell in LEDGER:
        if cell["category"] == "allocated":
            allocated[cell["provider"]] += cell["amount_usd"]
    for provider, amount in allocated.items():
        assert amount == pytest.approx(sum(c["allocated_cost_usd"] for c in CALLS if c["provider"] == provider))


# ---------------------------------------------------------------------------------------------
# mart_invoice_reconciliation

INVOICES = EXPECTED["invoices"]
INVOICE_ASPECTS = {
    "identity": (
        "provider",
        "billing_account_id",
        "month",
        "currency",
        "invoice_subtotal",
        "invoice_tax",
    ),
    "lines": ("lines_subtotal", "lines_tax", "variance"),
    "status": ("status", "has_currency_mismatch"),
    "usd": ("allocated_usd", "untraced_usd", "non_token_usd"),
    "quarantined": ("quarantined_amount",),
}


def _invoice_id(row: dict[str, Any]) -> str:
    return row["invoice_id"] or f"uninvoiced|{row['provider']}|{row['billing_account_id']}|{row['month']}"


def _invoice_params() -> list[Any]:
    params = []
    for expected in INVOICES:
        for aspect in INVOICE_ASPECTS:
            params.append(pytest.param(expected, aspect, id=f"{_invoice_id(expected)}-{aspect}"))
    return params


def test_reconciliation_has_exactly_the_expected_rows(money: Build) -> None:
    rows = money.query("select * from marts.mart_invoice_reconciliation")
    actual = sorted(_invoice_id({k: _text(v) for k, v in row.items()}) for row in rows)
    assert actual == sorted(_invoice_id(row) for row in INVOICES)


@pytest.mark.parametrize(("expected", "aspect"), _invoice_params())
def test_invoice_reconciliation(money: Build, expected: dict[str, Any], aspect: str) -> None:
    if expected["invoice_id"] is not None:
        rows = money.query(
            "select * from marts.mart_invoice_reconciliation where invoice_id = ?",
            [expected["invoice_id"]],
        )
    else:
        rows = money.query(
            """
            select * from marts.mart_invoice_reconciliation
            where invoice_id is null and provider = ? and billing_account_id = ? and month = ?
            """,
            [expected["provider"], expected["billing_account_id"], expected["month"]],
        )
    row = _one(rows, f"reconciliation row {_invoice_id(expected)}")
    assert_fields(
        row,
        expected,
        INVOICE_ASPECTS[aspect],
        f"reconciliation {_invoice_id(expected)} ({expected['note']}), {aspect}",
    )


# ---------------------------------------------------------------------------------------------
# fct_quarantined_rows


def test_quarantined_rows(money: Build) -> None:
    rows = money.query(
        "select landing_table, quarantine_reason, amount, currency from marts.fct_quarantined_rows order by 1, 2, 3"
    )
    expected = sorted(
        EXPECTED["quarantined_rows"],
        key=lambda r: (r["landing_table"], r["quarantine_reason"]),
    )
    assert len(rows) == len(expected), rows
    for row, want in zip(rows, expected, strict=True):
        assert_fields(
            row,
            want,
            ("landing_table", "quarantine_reason", "amount", "currency"),
            "quarantined row",
        )


def test_fixture_files_have_exactly_the_landing_columns() -> None:
    """The fixture is a faithful landing directory: every raw table, header row, listed columns only."""
    headers = {path.stem: path.read_text().splitlines()[0].split(",") for path in (FIXTURE / "landing").glob("*.csv")}
    assert set(headers) == {
        "openai_costs",
        "anthropic_costs",
        "openai_usage",
        "anthropic_usage",
        "focus_charges",
        "invoices",
        "otel_spans",
        "tickets",
        "claims",
        "contracts",
    }
    assert headers["focus_charges"][0] == "BillingAccountId"
    assert len(headers["focus_charges"]) == 18
    seeds = {path.stem for path in Path(FIXTURE / "seeds").glob("*.csv")}
    assert seeds == {
        "model_prices",
        "model_aliases",
        "teams",
        "services",
        "billing_accounts",
        "bpo_rates",
        "labor_rates",
        "fx_rates",
        "workflow_steps",
    }
