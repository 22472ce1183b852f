"""The hand-computed outcomes fixture (tests/fixtures/outcomes): metrics.md 4–7 and 9–10, row by row.

The expected numbers in tests/fixtures/outcomes/expected.json were worked out by hand from the spec
(arithmetic in tests/fixtures/outcomes/EXPECTED.md), never by running the project. Billing is kept
trivial (one provider, every pool f = 1, $1 per 1,000 input and $2 per 1,000 output tokens, so almost
every call costs exactly $1.00) so that the outcome rules, not the allocation, are what is tested.
The fixture is built once per session; every expected row is its own test, money is compared to 1e-6
USD, and each mart is also checked for unexpected rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from harness import Build, fixture_dir, require_success

FIXTURE = fixture_dir("outcomes")
EXPECTED: dict[str, Any] = json.loads((FIXTURE / "expected.json").read_text())
TOLERANCE = 1e-6

MARTS = (
    "fct_work_items",
    "fct_runs",
    "mart_cost_per_outcome",
    "mart_marginal_token_utility",
    "mart_spend_leaks",
)

LANDING_TABLES = {
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
SEEDS = {
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


@pytest.fixture(scope="module")
def outcomes(fixture_build: Callable[..., Build]) -> Build:
    build = fixture_build("outcomes")
    require_success(build, nodes=MARTS)
    return build


# ---------------------------------------------------------------------------------------------
# comparison helpers


def _text(value: Any) -> Any:
    """Dates as YYYY-MM-DD, timestamps as YYYY-MM-DDTHH:MM:SS (UTC, no offset)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(actual) == expected
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and actual == pytest.approx(expected, abs=TOLERANCE)
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


def _key(row: dict[str, Any], keys: Sequence[str]) -> tuple:
    return tuple(_text(row[key]) for key in keys)


def _id(row: dict[str, Any], keys: Sequence[str]) -> str:
    return "|".join(str(part) for part in _key(row, keys))


def _rows_by_key(build: Build, relation: str, keys: Sequence[str]) -> dict[tuple, dict[str, Any]]:
    rows = build.query(f"select * from {relation}")
    by_key: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = _key(row, keys)
        assert key not in by_key, f"{relation}: duplicate key {key}"
        by_key[key] = row
    return by_key


def assert_exact_keys(build: Build, relation: str, keys: Sequence[str], expected_rows: list[dict[str, Any]]) -> None:
    __tracebackhide__ = True
    actual = set(_rows_by_key(build, relation, keys))
    expected = {_key(row, keys) for row in expected_rows}
    missing, extra = sorted(expected - actual, key=str), sorted(actual - expected, key=str)
    assert not missing and not extra, f"{relation}\n  missing rows: {missing}\n  unexpected rows: {extra}"


def _one(build: Build, relation: str, keys: Sequence[str], expected: dict[str, Any]) -> dict[str, Any]:
    __tracebackhide__ = True
    where = " and ".join(f"{key} = ?" for key in keys)
    rows = build.query(f"select * from {relation} where {where}", [expected[key] for key in keys])
    if len(rows) != 1:
        pytest.fail(f"{relation} {_id(expected, keys)}: expected exactly one row, found {len(rows)}: {rows}")
    return rows[0]


def _params(rows: list[dict[str, Any]], keys: Sequence[str], xfails: dict[str, str] | None = None) -> list[Any]:
    params = []
    for row in rows:
        row_id = _id(row, keys)
        reason = (xfails or {}).get(row_id)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(row, id=row_id, marks=marks))
    return params


# ---------------------------------------------------------------------------------------------
# the build and the fixture itself


def test_build_succeeds(outcomes: Build) -> None:
    """Every node passes on the fixture (warnings allowed): it is valid input per landing.md."""
    require_success(outcomes)


def test_fixture_files_have_exactly_the_landing_columns() -> None:
    """A faithful landing directory (every raw table, listed columns only) and all nine seeds."""
    money = fixture_dir("money")
    headers = {path.stem: path.read_text().splitlines()[0] for path in (FIXTURE / "landing").glob("*.csv")}
    assert set(headers) == LANDING_TABLES
    for table, header in headers.items():
        assert header == (money / "landing" / f"{table}.csv").read_text().splitlines()[0], table
    assert {path.stem for path in (FIXTURE / "seeds").glob("*.csv")} == SEEDS


def test_hand_expectations_are_self_consistent() -> None:
    """Guards the fixture: each mart's hand-computed rows add up to the hand-computed work items."""
    items = EXPECTED["work_items"]
    completed = [item for item in items if item["outcome_class"] != "open"]
    # cost per outcome = the completed items, cell by cell
    cells: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for item in completed:
        cell = cells[(item["work_item_type"], item["team_id"], item["completion_month"])]
        cell["completed_items"] += 1
        cell["runs"] += item["runs"]
        cell["ai_cost_usd"] += item["ai_cost_usd"]
        cell["human_cost_usd"] += item["human_cost_usd"]
        cell["value_usd"] += item["value_usd"]
        cell["bpo"] += item["bpo_unit_price_usd"]
    assert set(cells) == {
        (c["work_item_type"], c["team_id"], c["completion_month"]) for c in EXPECTED["cost_per_outcome"]
    }
    for expected in EXPECTED["cost_per_outcome"]:
        cell = cells[(expected["work_item_type"], expected["team_id"], expected["completion_month"])]
        for name in ("completed_items", "runs", "ai_cost_usd", "human_cost_usd", "value_usd"):
            assert cell[name] == pytest.approx(expected[name], abs=1e-9), (expected, name)
        assert cell["bpo"] / cell["completed_items"] == pytest.approx(expected["bpo_unit_price_usd"], abs=1e-9)
    # the utility spine's spend and value = the completed items' AI cost and value
    for name in ("spend_usd", "value_usd", "completed_items"):
        source = {"spend_usd": "ai_cost_usd", "value_usd": "value_usd", "completed_items": None}[name]
        total = sum(week[name] for week in EXPECTED["marginal_token_utility"])
        assert total == pytest.approx(sum(item[source] if source else 1 for item in completed), abs=1e-9)
    # runs add up to the items' AI cost and run counts
    by_item: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for run in EXPECTED["runs"]:
        by_item[(run["work_item_type"], run["work_item_id"])].append(run)
    for item in items:
        runs = by_item[(item["work_item_type"], item["work_item_id"])]
        assert len(runs) == item["runs"]
        assert sum(run["allocated_cost_usd"] for run in runs) == pytest.approx(item["ai_cost_usd"], abs=1e-9)
    # leaks: all call spend = all run spend + the trace without root
    run_spend = sum(run["allocated_cost_usd"] for run in EXPECTED["runs"])
    leak_spend = sum(leak["spend_usd"] for leak in EXPECTED["spend_leaks"])
    assert leak_spend == pytest.approx(run_spend + 2.0, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# fct_work_items

WORK_ITEMS = EXPECTED["work_items"]
WORK_ITEM_KEY = ("work_item_type", "work_item_id")
WORK_ITEM_ASPECTS = {
    "class": ("outcome_class", "team_id", "is_first_pass"),
    "completion": ("completed_at", "completion_month"),
    "runs_and_cost": ("runs", "ai_cost_usd"),
    "human": ("human_minutes", "human_cost_usd"),
    "value": ("bpo_unit_price_usd", "value_usd"),
}


def test_work_items_are_exactly_the_expected_items(outcomes: Build) -> None:
    """Every work item a run served, nothing else: not T16 (no run), not T404 (unknown to the outcome
    systems), one row per CDC id."""
    assert_exact_keys(outcomes, "marts.fct_work_items", WORK_ITEM_KEY, WORK_ITEMS)
    for item in EXPECTED["work_items_without_runs"]:
        assert not outcomes.query(
            "select 1 from marts.fct_work_items where work_item_type = ? and work_item_id = ?",
            [item["work_item_type"], item["work_item_id"]],
        )


@pytest.mark.parametrize("aspect", list(WORK_ITEM_ASPECTS))
@pytest.mark.parametrize("expected", _params(WORK_ITEMS, WORK_ITEM_KEY))
def test_work_item(outcomes: Build, expected: dict[str, Any], aspect: str) -> None:
    row = _one(outcomes, "marts.fct_work_items", WORK_ITEM_KEY, expected)
    assert_fields(
        row,
        expected,
        WORK_ITEM_ASPECTS[aspect],
        f"work item {_id(expected, WORK_ITEM_KEY)} ({expected['note']}), {aspect}",
    )


# ---------------------------------------------------------------------------------------------
# fct_runs

RUNS = EXPECTED["runs"]
RUN_KEY = ("trace_id",)
RUN_ASPECTS = {
    "identity": ("work_item_type", "work_item_id", "is_known_work_item", "team_id", "workflow_name"),
    "attempt": ("attempt", "is_last_attempt"),
    "path": ("path",),
    "counts": ("model_calls", "tool_calls", "errored_calls", "reviews", "human_minutes"),
    "tokens": ("input_tokens", "output_tokens"),
    "cost": ("allocated_cost_usd",),
    "outcome": ("outcome_class",),
}


def test_runs_are_exactly_the_expected_traces(outcomes: Build) -> None:
    """Every trace whose root names a work item (the unknown T404 included); the trace without a root
    span is no run."""
    assert_exact_keys(outcomes, "marts.fct_runs", RUN_KEY, RUNS)
    for trace_id in EXPECTED["traces_without_run"]:
        assert not outcomes.query("select 1 from marts.fct_runs where trace_id = ?", [trace_id])


@pytest.mark.parametrize("aspect", list(RUN_ASPECTS))
@pytest.mark.parametrize("expected", _params(RUNS, ("work_item_id", "attempt", "trace_id")))
def test_run(outcomes: Build, expected: dict[str, Any], aspect: str) -> None:
    row = _one(outcomes, "marts.fct_runs", RUN_KEY, expected)
    assert_fields(
        row,
        expected,
        RUN_ASPECTS[aspect],
        f"run {expected['work_item_id']} attempt {expected['attempt']}, {aspect}",
    )


# ---------------------------------------------------------------------------------------------
# mart_cost_per_outcome

CELLS = EXPECTED["cost_per_outcome"]
CELL_KEY = ("work_item_type", "team_id", "completion_month")
CELL_ASPECTS = {
    "counts": (
        "completed_items",
        "automated_items",
        "assisted_items",
        "failed_items",
        "first_pass_items",
        "runs",
    ),
    "money": (
        "ai_cost_usd",
        "provisional_ai_cost_usd",
        "human_cost_usd",
        "failed_ai_cost_usd",
        "value_usd",
        "net_value_usd",
    ),
    "unit_costs": ("cost_per_completed_usd", "cost_per_successful_usd", "fully_loaded_cost_per_successful_usd"),
    "rates": ("first_pass_rate", "success_rate"),
    "bpo": ("bpo_unit_price_usd",),
}


def test_cost_per_outcome_has_exactly_the_expected_cells(outcomes: Build) -> None:
    """Completed items only: no cell for open work (K1, K2, CL3, CL4, CL9, T2, T12)."""
    assert_exact_keys(outcomes, "marts.mart_cost_per_outcome", CELL_KEY, CELLS)


def test_cost_per_outcome_has_no_unchecked_column(outcomes: Build) -> None:
    columns = set(outcomes.query("select * from marts.mart_cost_per_outcome limit 1")[0])
    checked = set(CELL_KEY).union(*CELL_ASPECTS.values())
    assert columns == checked


@pytest.mark.parametrize("aspect", list(CELL_ASPECTS))
@pytest.mark.parametrize("expected", _params(CELLS, CELL_KEY))
def test_cost_per_outcome(outcomes: Build, expected: dict[str, Any], aspect: str) -> None:
    row = _one(outcomes, "marts.mart_cost_per_outcome", CELL_KEY, expected)
    assert_fields(
        row,
        expected,
        CELL_ASPECTS[aspect],
        f"cost per outcome {_id(expected, CELL_KEY)} ({expected['note']}), {aspect}",
    )


# ---------------------------------------------------------------------------------------------
# mart_marginal_token_utility

WEEKS = EXPECTED["marginal_token_utility"]
WEEK_KEY = ("team_id", "week_start")
WEEK_ASPECTS = {
    "completions": ("completed_items", "spend_usd", "value_usd"),
    "average": ("avg_token_utility",),
    "marginal": ("marginal_token_utility", "weeks_with_spend_in_window"),
    "delta": ("delta_token_utility",),
    "untraced_unlinked": ("untraced_spend_usd", "unlinked_spend_usd"),
}


def test_utility_spine_is_exactly_the_expected_weeks(outcomes: Build) -> None:
    """One row per team and ISO week from its first to its last completion week, the empty week
    2026-02-16 of support included; no week outside a team's completions."""
    assert_exact_keys(outcomes, "marts.mart_marginal_token_utility", WEEK_KEY, WEEKS)


def test_utility_has_no_unchecked_column(outcomes: Build) -> None:
    columns = set(outcomes.query("select * from marts.mart_marginal_token_utility limit 1")[0])
    assert columns == set(WEEK_KEY).union(*WEEK_ASPECTS.values())


@pytest.mark.parametrize("aspect", list(WEEK_ASPECTS))
@pytest.mark.parametrize("expected", _params(WEEKS, WEEK_KEY))
def test_marginal_token_utility(outcomes: Build, expected: dict[str, Any], aspect: str) -> None:
    row = _one(outcomes, "marts.mart_marginal_token_utility", WEEK_KEY, expected)
    assert_fields(
        row,
        expected,
        WEEK_ASPECTS[aspect],
        f"utility {_id(expected, WEEK_KEY)} ({expected['note']}), {aspect}",
    )


# ---------------------------------------------------------------------------------------------
# mart_spend_leaks

LEAKS = EXPECTED["spend_leaks"]
LEAK_KEY = ("team_id", "workflow_name", "month")
LEAK_ASPECTS = {
    "spend": ("model_calls", "spend_usd"),
    "retry": ("retry_spend_usd",),
    "failed": ("failed_outcome_spend_usd",),
    "routing": ("routing_excess_usd",),
    "context": ("context_excess_usd",),
}


def test_spend_leaks_has_exactly_the_expected_cells(outcomes: Build) -> None:
    assert_exact_keys(outcomes, "marts.mart_spend_leaks", LEAK_KEY, LEAKS)


def test_spend_leaks_has_no_unchecked_column(outcomes: Build) -> None:
    columns = set(outcomes.query("select * from marts.mart_spend_leaks limit 1")[0])
    assert columns == set(LEAK_KEY).union(*LEAK_ASPECTS.values())


@pytest.mark.parametrize("aspect", list(LEAK_ASPECTS))
@pytest.mark.parametrize("expected", _params(LEAKS, LEAK_KEY))
def test_spend_leaks(outcomes: Build, expected: dict[str, Any], aspect: str) -> None:
    row = _one(outcomes, "marts.mart_spend_leaks", LEAK_KEY, expected)
    assert_fields(
        row,
        expected,
        LEAK_ASPECTS[aspect],
        f"leaks {_id(expected, LEAK_KEY)} ({expected['note']}), {aspect}",
    )


# ---------------------------------------------------------------------------------------------
# end to end: every billed dollar is somewhere


def test_billed_equals_outcomes_plus_wip_plus_unlinked_plus_untraced(outcomes: Build) -> None:
    """metrics.md 6: completed AI cost 19 + 5 + 11 + 9 + 1 = 45, open work 1+1 (T2, T12) + 1+1+1 (CL3,
    CL4, CL9) + 1+1 (K1, K2) = 7, unlinked 1 (T404) + 2 (no root) = 3, untraced 5 + 3 = 8: 63 billed."""
    completed = outcomes.scalar("select sum(ai_cost_usd) from marts.mart_cost_per_outcome")
    wip = outcomes.scalar("select sum(ai_cost_usd) from marts.fct_work_items where outcome_class = 'open'")
    unlinked = outcomes.scalar("select sum(unlinked_spend_usd) from marts.mart_marginal_token_utility")
    untraced = outcomes.scalar("select sum(untraced_spend_usd) from marts.mart_marginal_token_utility")
    ledger = outcomes.scalar("select sum(amount_usd) from marts.fct_spend_ledger")
    assert (completed, wip, unlinked, untraced) == (
        pytest.approx(45.0, abs=TOLERANCE),
        pytest.approx(7.0, abs=TOLERANCE),
        pytest.approx(3.0, abs=TOLERANCE),
        pytest.approx(8.0, abs=TOLERANCE),
    )
    assert ledger == pytest.approx(63.0, abs=TOLERANCE)
