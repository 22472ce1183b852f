"""Late data: a second delivery adds spans for days already built and corrects billing, and a rebuild
changes exactly the affected rows (tests/fixtures/late_data, arithmetic in its EXPECTED.md).

The fixture holds the landing directory after each delivery (delivery_1/, delivery_2/: full
directories, as a loader leaves them). Both are built; for each of fct_model_calls, fct_spend_ledger,
mart_invoice_reconciliation and fct_work_items the test compares every row of the two builds and checks
that the set of changed, added and removed keys is exactly the expected one (calls in the affected
pools, ledger cells of the affected provider/days, the affected invoice, the affected work items), and
that old and new values are the hand-computed ones. The project is not incremental yet (both builds are
full); the test is about results, and keeps guarding when models become incremental.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from harness import FIXTURES_DIR, Build, build_project, require_success

FIXTURE = FIXTURES_DIR / "late_data"
DELIVERIES = {1: FIXTURE / "delivery_1", 2: FIXTURE / "delivery_2"}
SEEDS = FIXTURE / "seeds"
# Unit tests read no landing data; both builds run models, seeds and data tests.
BUILD_ARGS = ("--exclude-resource-type", "unit_test")
TOLERANCE = 1e-9  # a row "changed" when a value moved by more than float noise
MONEY_TOLERANCE = 1e-6

D1, D2, D3, D4 = (dt.date(2026, 6, day) for day in (10, 11, 12, 13))

# relation → key columns
MARTS: dict[str, tuple[str, ...]] = {
    "fct_model_calls": ("span_id",),
    "fct_spend_ledger": ("provider", "billing_account_id", "charge_date", "team_id", "category"),
    "mart_invoice_reconciliation": ("invoice_id",),
    "fct_work_items": ("work_item_type", "work_item_id"),
}

# relation → key → (values after delivery 1, values after delivery 2); None: no row. Every key not
# listed must be identical in both builds, and every listed key whose two values differ must change.
EXPECTED: dict[str, dict[tuple, tuple[dict[str, Any] | None, dict[str, Any] | None]]] = {
    "fct_model_calls": {
        ("c100000000000001",): ({"allocated_cost_usd": 6.0}, {"allocated_cost_usd": 6.0}),
        ("c200000000000002",): ({"allocated_cost_usd": 6.0}, {"allocated_cost_usd": 2.5}),
        ("c300000000000003",): ({"allocated_cost_usd": 4.5}, {"allocated_cost_usd": 3.125}),
        ("c3b0000000000003",): (
            None,
            {"allocated_cost_usd": 1.375, "team_id": "beta", "call_date": D1, "list_cost_usd": 0.0105},
        ),
        ("c400000000000004",): (
            None,
            {"allocated_cost_usd": 4.0, "team_id": "alpha", "call_date": D1, "list_cost_usd": 0.004},
        ),
        ("c500000000000005",): ({"allocated_cost_usd": 4.5}, {"allocated_cost_usd": 6.0}),
        ("c600000000000006",): ({"allocated_cost_usd": 3.0}, {"allocated_cost_usd": 3.0}),
    },
    "fct_spend_ledger": {
        ("openai", "org-1", D1, "alpha", "allocated"): ({"amount_usd": 6.0}, {"amount_usd": 10.0}),
        ("openai", "org-1", D1, "alpha", "untraced"): ({"amount_usd": 6.0}, {"amount_usd": 2.0}),
        ("openai", "org-1", D2, "alpha", "allocated"): ({"amount_usd": 6.0}, {"amount_usd": 2.5}),
        ("openai", "org-1", D2, "alpha", "untraced"): (None, {"amount_usd": 3.5, "amount": 3.5, "currency": "USD"}),
        ("openai", "org-1", D3, "alpha", "allocated"): ({"amount_usd": 4.5}, {"amount_usd": 6.0}),
        ("openai", "org-1", D3, "alpha", "untraced"): ({"amount_usd": 4.5}, {"amount_usd": 6.0}),
        ("openai", "org-1", D4, "alpha", "allocated"): ({"amount_usd": 3.0}, {"amount_usd": 3.0}),
        ("anthropic", "ant-org-1", D1, "beta", "allocated"): ({"amount_usd": 4.5}, {"amount_usd": 4.5}),
        ("azure.ai.openai", "az-222", D1, "alpha", "usage_other"): (
            {"amount_usd": 6.0, "amount": 5.0, "currency": "EUR"},
            {"amount_usd": 6.0, "amount": 5.0, "currency": "EUR"},
        ),
    },
    "mart_invoice_reconciliation": {
        ("INV-OAI-2606",): (
            {
                "lines_subtotal": 30.0,
                "variance": 3.0,
                "status": "variance",
                "allocated_usd": 19.5,
                "untraced_usd": 10.5,
                "non_token_usd": 0.0,
            },
            {
                "lines_subtotal": 33.0,
                "variance": 0.0,
                "status": "matched",
                "allocated_usd": 21.5,
                "untraced_usd": 11.5,
                "non_token_usd": 0.0,
            },
        ),
        ("INV-ANT-2606",): (
            {"lines_subtotal": 4.5, "status": "matched", "allocated_usd": 4.5, "untraced_usd": 0.0},
            {"lines_subtotal": 4.5, "status": "matched", "allocated_usd": 4.5, "untraced_usd": 0.0},
        ),
        ("INV-AZ-2606",): (
            {"lines_subtotal": 5.0, "status": "matched", "non_token_usd": 6.0},
            {"lines_subtotal": 5.0, "status": "matched", "non_token_usd": 6.0},
        ),
    },
    "fct_work_items": {
        ("ticket", "TK-1"): (
            {"outcome_class": "automated", "ai_cost_usd": 6.0, "value_usd": 5.0},
            {"outcome_class": "automated", "ai_cost_usd": 6.0, "value_usd": 5.0},
        ),
        ("ticket", "TK-2"): ({"ai_cost_usd": 6.0}, {"ai_cost_usd": 2.5}),
        ("ticket", "TK-4"): (
            None,
            {
                "outcome_class": "automated",
                "ai_cost_usd": 4.0,
                "runs": 1,
                "completed_at": dt.datetime(2026, 6, 10, 21, 0),
                "value_usd": 5.0,
                "is_first_pass": True,
                "team_id": "alpha",
            },
        ),
        ("ticket", "TK-5"): (
            {"outcome_class": "open", "ai_cost_usd": 4.5, "completed_at": None, "value_usd": None},
            {
                "outcome_class": "automated",
                "ai_cost_usd": 6.0,
                "completed_at": dt.datetime(2026, 6, 14, 8, 0),
                "value_usd": 5.0,
                "is_first_pass": True,
            },
        ),
        ("ticket", "TK-6"): ({"ai_cost_usd": 3.0}, {"ai_cost_usd": 3.0}),
        ("claim", "CL-1"): (
            {"outcome_class": "automated", "ai_cost_usd": 4.5, "value_usd": 20.0, "runs": 1},
            {"outcome_class": "automated", "ai_cost_usd": 4.5, "value_usd": 20.0, "runs": 1},
        ),
    },
}


# ---------------------------------------------------------------------------------------------
# helpers


def _same(a: Any, b: Any, tolerance: float = TOLERANCE) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(a, b, rel_tol=0, abs_tol=tolerance)
    return a == b


def _rows(build: Build, relation: str) -> dict[tuple, dict[str, Any]]:
    key_columns = MARTS[relation]
    rows = build.query(f"select * from marts.{relation}")
    keyed = {tuple(row[k] for k in key_columns): row for row in rows}
    assert len(keyed) == len(rows), f"{relation}: duplicate keys {key_columns}"
    return keyed


def _diff(before: dict[tuple, dict], after: dict[tuple, dict]) -> dict[str, set[tuple]]:
    changed = {
        key
        for key in before.keys() & after.keys()
        if any(not _same(before[key].get(c), after[key].get(c)) for c in before[key].keys() | after[key].keys())
    }
    return {
        "changed": changed,
        "added": set(after) - set(before),
        "removed": set(before) - set(after),
    }


def _expected_diff(relation: str) -> dict[str, set[tuple]]:
    diff: dict[str, set[tuple]] = {"changed": set(), "added": set(), "removed": set()}
    for key, (old, new) in EXPECTED[relation].items():
        if old is None:
            diff["added"].add(key)
        elif new is None:
            diff["removed"].add(key)
        elif any(not _same(old.get(c), new.get(c)) for c in old.keys() | new.keys()):
            diff["changed"].add(key)
    return diff


def _read_landing(directory: Path) -> dict[str, Counter]:
    tables = {}
    for path in sorted(directory.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            tables[path.stem] = Counter(tuple(row) for row in csv.reader(handle))
    return tables


# ---------------------------------------------------------------------------------------------
# the two builds


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Build]:
    result = {}
    for number, landing in DELIVERIES.items():
        build = build_project(
            landing, tmp_path_factory.mktemp(f"late-delivery-{number}"), seeds_dir=SEEDS, extra_args=BUILD_ARGS
        )
        require_success(build)
        result[number] = build
    return result


def test_second_delivery_is_the_first_plus_the_late_rows() -> None:
    """Guards the fixture: delivery_2 is delivery_1 with exactly the late rows EXPECTED.md lists (one cost
    row restated, the rest appended), so any other difference between the builds is the project's."""
    first, second = _read_landing(DELIVERIES[1]), _read_landing(DELIVERIES[2])
    assert sorted(first) == sorted(second)
    removed = {name: sorted((first[name] - second[name]).elements()) for name in first}
    added = {name: sorted((second[name] - first[name]).elements()) for name in first}
    assert {name: len(rows) for name, rows in removed.items() if rows} == {"openai_costs": 1}
    assert removed["openai_costs"][0][4:6] == ("gpt-x-2025, output", "6.00")
    assert {name: len(rows) for name, rows in added.items() if rows} == {
        "openai_costs": 3,  # the restated D3 output row, and D4's two rows delivered again
        "openai_usage": 1,
        "otel_spans": 4,  # c3b, TK-4's root and call, c1 delivered again
        "tickets": 1,
    }
    assert added["openai_costs"][0][4:6] == ("gpt-x-2025, output", "9.00")


@pytest.mark.parametrize("relation", list(MARTS))
def test_exactly_the_affected_rows_change(builds: dict[int, Build], relation: str) -> None:
    before, after = _rows(builds[1], relation), _rows(builds[2], relation)
    actual = _diff(before, after)
    expected = _expected_diff(relation)

    def show(keys: set[tuple]) -> list[str]:
        return sorted("|".join(str(part) for part in key) for key in keys)

    report = []
    for kind in ("changed", "added", "removed"):
        if actual[kind] != expected[kind]:
            unexpected = actual[kind] - expected[kind]
            details = []
            for key in sorted(unexpected, key=str):
                if kind == "changed":
                    columns = sorted(
                        c
                        for c in before[key].keys() | after[key].keys()
                        if not _same(before[key].get(c), after[key].get(c))
                    )
                    details.append(
                        f"    {key}: "
                        + ", ".join(f"{c} {before[key].get(c)!r} → {after[key].get(c)!r}" for c in columns)
                    )
            report.append(
                f"{kind}: expected {show(expected[kind])}, got {show(actual[kind])}"
                + ("\n" + "\n".join(details) if details else "")
            )
    assert not report, f"{relation} after the second delivery:\n" + "\n".join(report)


def _value_params() -> list[Any]:
    params = []
    for relation, rows in EXPECTED.items():
        for key in rows:
            for delivery in (1, 2):
                params.append(
                    pytest.param(relation, key, delivery, id=f"{relation}-{'|'.join(map(str, key))}-d{delivery}")
                )
    return params


@pytest.mark.parametrize(("relation", "key", "delivery"), _value_params())
def test_values_after_each_delivery(builds: dict[int, Build], relation: str, key: tuple, delivery: int) -> None:
    expected = EXPECTED[relation][key][delivery - 1]
    row = _rows(builds[delivery], relation).get(key)
    if expected is None:
        assert row is None, f"{relation} {key} should not exist after delivery {delivery}: {row}"
        return
    assert row is not None, f"{relation} {key} missing after delivery {delivery}"
    wrong = {
        column: (want, row.get(column))
        for column, want in expected.items()
        if not _same(row.get(column), want, MONEY_TOLERANCE)
    }
    assert not wrong, f"{relation} {key} after delivery {delivery}: column: (expected, got) {wrong}"


@pytest.mark.parametrize("delivery", [1, 2])
def test_nothing_is_quarantined_and_billing_reconciles(builds: dict[int, Build], delivery: int) -> None:
    """Every late row is good data: nothing quarantined, and the ledger still holds every billed dollar
    (delivery 1: 30.00 + 4.50 + 6.00 USD; delivery 2: 33.00 + 4.50 + 6.00)."""
    build = builds[delivery]
    assert build.scalar("select count(*) from marts.fct_quarantined_rows") == 0
    ledger = build.scalar("select sum(amount_usd) from marts.fct_spend_ledger")
    assert ledger == pytest.approx({1: 40.5, 2: 43.5}[delivery], abs=MONEY_TOLERANCE)
