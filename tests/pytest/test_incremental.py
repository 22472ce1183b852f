"""Incremental builds give what a full refresh gives (issue 6), on the demo data.

The demo landing is cut at the end of its next-to-last day (spans that had ended, CDC versions written,
bills through two days before: ``token_ledger/landing_cut.py``). One warehouse is built in full on that cut,
then the whole demo arrives and ``dbt build`` runs again WITHOUT ``--full-refresh``: the large grains
(span deliveries, traces, model calls, runs) reprocess only the window of ``lookback_days`` before their
latest date. A second warehouse is built with ``--full-refresh`` on the whole demo. Every relation the
project builds (staging, intermediate, marts) must hold the same rows in both: counts and keys exactly,
money to 1e-9 (DuckDB's parallel sums move the last bits).

Between the two, the same next-day run is attempted once with an error injected into a model in the middle
of the per-call chain (a crash mid-build, after the upstream incremental models replaced their window):
the run after it must still end where the full refresh does.

The compiled SQL proves the incremental run took the window path (the window's first date appears in
it), and the data tests ran on the incremental warehouse too (the invariants hold after it).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from harness import PROJECT_ROOT, Build, build_project, require_success
from incremental_landing import arrive, next_day_landing

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
BUILD_ARGS = ("--exclude-resource-type", "unit_test")
TOLERANCE = 1e-9
LOOKBACK_DAYS = 3  # dbt_project.yml var lookback_days
INCREMENTAL_MODELS = (
    "base_otel__span_deliveries",
    "base_otel__span_duplicates",
    "int_trace_roots",
    "int_model_calls",
    "int_model_calls_costed",
    "int_allocation_traced_tokens",
    "int_run_activity",
    "base_helpdesk__tickets",
    "base_claims__claims",
    "base_contracts__contracts",
    "int_work_items",
    "int_runs",
    "int_work_item_outcomes",
    "fct_runs",
    "fct_work_items",
)


def _demo_window() -> dict[str, str]:
    expected = DEMO_DIR / "_expected.json"
    if not expected.exists():
        pytest.skip("no demo data: run `make build` first")
    return json.loads(expected.read_text())["window"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    window = _demo_window()
    root = tmp_path_factory.mktemp("incremental")
    days = next_day_landing(DEMO_DIR, window, root)
    whole, day_n, cutoff = days.whole, days.day_n, days.cutoff
    counts, late_span, reopened = days.cut_counts, days.late_span, days.reopened

    incremental_dir = root / "incremental"
    landing = arrive(day_n, root / "landing")
    first = build_project(landing, incremental_dir, extra_args=BUILD_ARGS)
    require_success(first)
    late_bill_day = dt.date.fromisoformat(window["billed_through"])
    with first.connect() as con:
        latest = con.execute("select max(span_date) from staging.base_otel__spans").fetchall()[0][0]
        # what day N held, read before the next runs change this warehouse
        day_n_spans = {r[0] for r in con.execute("select span_id from staging.base_otel__spans").fetchall()}
        day_n_reopened_status = con.execute(
            "select status from staging.stg_helpdesk__tickets where ticket_id = ?", [reopened]
        ).fetchall()[0][0]
        day_n_late_bill_lines = con.execute(
            "select count(*) from intermediate.int_billing_lines where charge_date = ?", [late_bill_day]
        ).fetchall()[0][0]
    # a crash mid-run (issue 16): the next day's run fails at a model in the middle of the per-call chain,
    # after the span deliveries, traces and calls of the window were replaced; the next run must repair it
    crashed = build_project(
        arrive(whole, landing),
        incremental_dir,
        extra_args=BUILD_ARGS,
        fresh=False,
        before_run=_inject_failure(CRASH_MODEL),
    )
    assert not crashed.success and crashed.node(CRASH_MODEL).status == "error", crashed.output[-2000:]
    second = build_project(landing, incremental_dir, extra_args=BUILD_ARGS, fresh=False)
    require_success(second)
    full = build_project(whole, root / "full", extra_args=(*BUILD_ARGS, "--full-refresh"))
    require_success(full)
    return {
        "first": first,
        "crashed": crashed,
        "incremental": second,
        "full": full,
        "latest_day_n": latest,
        "cut_counts": counts,
        "day_n": day_n,
        "cut": cutoff,
        "late_span": late_span,
        "reopened": reopened,
        "whole": whole,
        "day_n_spans": day_n_spans,
        "day_n_reopened_status": day_n_reopened_status,
        "day_n_late_bill_lines": day_n_late_bill_lines,
        "late_bill_day": late_bill_day,
    }


# the model an injected error stops the crashed run at (upstream of it, the window was already replaced):
# the one per-call money pass, after int_model_calls and the pools were rebuilt
CRASH_MODEL = "int_model_calls_costed"


def _inject_failure(model: str):
    """A change to the project copy that makes ``model`` fail when it runs (an error raised by the engine,
    as a crash mid-build would leave the warehouse), not a timed kill."""

    def inject(project_dir: Path) -> None:
        (path,) = project_dir.glob(f"models/**/{model}.sql")
        path.write_text(path.read_text() + "\n{{ config(pre_hook=\"select error('injected failure')\") }}\n")

    return inject


def _relations(build: Build) -> list[tuple[str, str]]:
    rows = build.query(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('staging', 'intermediate', 'marts') order by 1, 2"
    )
    return [(r["table_schema"], r["table_name"]) for r in rows]


def _rows(build: Build, schema: str, name: str) -> tuple[list[str], list[tuple]]:
    with build.connect() as con:
        cursor = con.execute(f'select * from "{schema}"."{name}"')
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()

    def sort_key(row: tuple) -> tuple:
        # floats rounded for ordering only (their last bits may differ between the two builds)
        return tuple(("" if v is None else f"{v:.6f}" if isinstance(v, float) else str(v)) for v in row)

    return columns, sorted(rows, key=sort_key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE) or (math.isnan(a) and math.isnan(b))
    return a == b


def test_day_n_is_a_real_cut(builds: dict[str, Any]) -> None:
    """The first build saw less than the whole demo: the second run had new spans and bills to add."""
    full_spans = builds["full"].scalar("select count(*) from staging.base_otel__spans")
    assert 0 < builds["cut_counts"]["otel_spans"] < full_spans
    assert builds["cut_counts"]["openai_costs"] > 0


def test_the_next_day_brings_late_data_of_every_kind(builds: dict[str, Any]) -> None:
    """What the incremental run must put where a full refresh puts it, present in the arriving data: a late
    span (started before the cut, delivered after it), a late bill (a day already traced), and a new CDC
    version of a work item first seen well before the window (its old current version becomes a duplicate)."""
    full: Build = builds["full"]
    cut_day = builds["latest_day_n"]
    late_span = builds["late_span"]
    assert late_span not in builds["day_n_spans"]
    late_call = "select count(*) from intermediate.int_model_calls where span_id = ? and call_date < ?"
    assert full.scalar(late_call, [late_span, cut_day]) == 1
    assert builds["incremental"].scalar(late_call, [late_span, cut_day]) == 1
    late_bill_lines = "select count(*) from intermediate.int_billing_lines where charge_date = ?"
    assert builds["day_n_late_bill_lines"] == 0
    assert full.scalar(late_bill_lines, [builds["late_bill_day"]]) > 0
    status = "select status from staging.stg_helpdesk__tickets where ticket_id = ?"
    assert builds["day_n_reopened_status"] in ("solved", "closed")
    assert full.scalar(status, [builds["reopened"]]) == "open"
    assert builds["incremental"].scalar(status, [builds["reopened"]]) == "open"


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_incremental_run_took_the_window_path(builds: dict[str, Any], model: str) -> None:
    """Each incremental model of the last run reprocessed a window: lookback_days before the latest date its
    own table held, which is day N's for the models the crashed run did not reach, and the whole demo's for
    those it had already brought up to date."""
    day_n = builds["latest_day_n"] - dt.timedelta(days=LOOKBACK_DAYS)
    demo_end = dt.date.fromisoformat(_demo_window()["end"]) - dt.timedelta(days=LOOKBACK_DAYS)
    build: Build = builds["incremental"]
    compiled = list((build.project_dir / "target" / "compiled").rglob(f"{model}.sql"))
    assert len(compiled) == 1, compiled
    text = compiled[0].read_text()
    windows = {
        dt.date.fromisoformat(day)
        for day in re.findall(r"cast\('(\d{4}-\d{2}-\d{2})' as date\)", text)
        if day_n <= dt.date.fromisoformat(day) <= demo_end
    }
    assert windows, f"{model} did not run on a window (from {day_n} to {demo_end})"
    full = (builds["full"].project_dir / "target" / "compiled").rglob(f"{model}.sql")
    assert not re.search(r"cast\('\d{4}-\d{2}-\d{2}' as date\)", next(full).read_text())


def test_both_builds_have_the_same_relations(builds: dict[str, Any]) -> None:
    assert _relations(builds["incremental"]) == _relations(builds["full"])


def test_every_relation_equals_the_full_refresh(builds: dict[str, Any]) -> None:
    incremental: Build = builds["incremental"]
    full: Build = builds["full"]
    problems: list[str] = []
    for schema, name in _relations(full):
        columns_full, rows_full = _rows(full, schema, name)
        columns_inc, rows_inc = _rows(incremental, schema, name)
        if columns_full != columns_inc:
            problems.append(f"{schema}.{name}: columns {columns_inc} != {columns_full}")
            continue
        if len(rows_full) != len(rows_inc):
            problems.append(f"{schema}.{name}: {len(rows_inc)} rows incremental, {len(rows_full)} full refresh")
            continue
        for row_inc, row_full in zip(rows_inc, rows_full, strict=True):
            diffs = [c for c, a, b in zip(columns_full, row_inc, row_full, strict=True) if not _same(a, b)]
            if diffs:
                detail = {c: (row_inc[columns_full.index(c)], row_full[columns_full.index(c)]) for c in diffs}
                problems.append(f"{schema}.{name}: first differing row, (incremental, full): {detail}")
                break
    assert not problems, "\n".join(problems)


def test_data_tests_pass_after_the_incremental_run(builds: dict[str, Any]) -> None:
    build: Build = builds["incremental"]
    tests = [n for n in build.nodes.values() if n.unique_id.startswith("test.")]
    assert len(tests) > 100
    failing = [n.unique_id for n in tests if n.status not in ("pass", "warn")]
    assert not failing, failing


def test_a_window_too_short_for_the_bill_lag_is_caught(builds: dict[str, Any], tmp_path: Path) -> None:
    """The comparison has teeth: with lookback_days 0 the incremental run does not go back to the day
    whose bill arrived late, its calls keep no allocated cost, and the relations differ."""
    window = _demo_window()
    landing = arrive(builds["day_n"], tmp_path / "landing")
    short = {"lookback_days": 0}
    first = build_project(landing, tmp_path, extra_args=BUILD_ARGS, extra_vars=short)
    require_success(first)
    second = build_project(arrive(DEMO_DIR, landing), tmp_path, extra_args=BUILD_ARGS, extra_vars=short, fresh=False)
    full: Build = builds["full"]
    late_bill_day = dt.date.fromisoformat(window["billed_through"])
    query = "select sum(allocated_cost_usd) from intermediate.int_model_calls_costed where call_date = ?"
    assert full.scalar(query, [late_bill_day]) > 0
    assert not math.isclose(second.scalar(query, [late_bill_day]) or 0.0, full.scalar(query, [late_bill_day]))
