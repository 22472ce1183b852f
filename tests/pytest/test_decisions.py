"""The decision layer on the demo build: budgets, allocation signals, the semantic layer, dbt docs.

The first tests read the warehouse ``make build`` produced (``DBT_DUCKDB_PATH``, default
``target/token_ledger.duckdb``), read-only. The others work on a copy of it and a copy of the project
(harness.copy_project), so they never lock or change the build: a dbt run with other thresholds,
MetricFlow queries compared with the marts, and ``dbt docs generate``. Run alone:
``make build && .venv/bin/pytest tests/pytest/test_decisions.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from harness import copy_project, dbt_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATABASE = Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_ROOT / "target" / "token_ledger.duckdb"))
SETTINGS_MACRO = PROJECT_ROOT / "macros" / "decisions" / "decision_settings.sql"
BIN = Path(sys.executable).parent
SIGNAL_KINDS = {"scale_up", "cap", "route_cheaper", "fix_retries", "return_to_humans"}


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def settings() -> dict[str, float]:
    """The defaults of macros/decisions/decision_settings.sql, read from the macro itself."""
    text = SETTINGS_MACRO.read_text()
    found = dict(re.findall(r"'(signal_[a-z_]+)':\s*([0-9.]+)", text))
    assert len(found) == 8, found
    return {name: float(value) for name, value in found.items()}


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    assert DATABASE.exists(), f"{DATABASE} is missing: run `make build` first"
    connection = duckdb.connect(str(DATABASE), read_only=True)
    yield connection
    connection.close()


# ---------------------------------------------------------------------------------------------
# allocation signals on the demo


def test_every_signal_kind_appears_on_the_demo_except_return_to_humans(db) -> None:
    """scale_up, cap, route_cheaper and fix_retries each appear with the default thresholds.
    return_to_humans cannot with a reasonable threshold: on the demo data one good outcome costs at most
    0.38 of the BPO price fully loaded (AI + reviewers), and every cell with outcomes has successes; the
    next test shows the rule fires once the threshold is below that."""
    signals = rows(db, "select * from marts.mart_allocation_signals")
    seen = {row["recommendation"] for row in signals}
    assert SIGNAL_KINDS - {"return_to_humans"} <= seen, seen
    assert "return_to_humans" not in seen
    with_outcomes = [row for row in signals if row["has_enough_outcomes"]]
    assert with_outcomes and all(row["successful_items"] > 0 for row in with_outcomes)
    ratios = [row["fully_loaded_cost_to_bpo_ratio"] for row in with_outcomes]
    assert 0.3 < max(ratios) < 0.5 < settings()["signal_return_to_humans_cost_ratio"], ratios


def expected_recommendation(row: dict[str, Any], thresholds: dict[str, float]) -> tuple[str, list[str]]:
    """The rules of mart_allocation_signals, evaluated on the row's own evidence columns."""
    enough = row["completed_items"] >= thresholds["signal_min_completed_items"]
    utility = row["marginal_token_utility"]
    fired = []
    if enough and (
        row["successful_items"] == 0
        or row["fully_loaded_cost_per_successful_usd"]
        > thresholds["signal_return_to_humans_cost_ratio"] * row["bpo_unit_price_usd"]
    ):
        fired.append("return_to_humans")
    if enough and utility is not None and utility < thresholds["signal_cap_max_marginal_utility"]:
        fired.append("cap")
    if row["retry_spend_share"] is not None and row["retry_spend_share"] >= thresholds["signal_fix_retries_min_share"]:
        fired.append("fix_retries")
    if (
        row["routing_excess_share"] is not None
        and row["routing_excess_share"] >= thresholds["signal_route_cheaper_min_share"]
    ):
        fired.append("route_cheaper")
    if (
        enough
        and utility is not None
        and utility >= thresholds["signal_scale_up_min_marginal_utility"]
        and row["success_rate"] >= thresholds["signal_scale_up_min_success_rate"]
        and (
            row["success_rate_change"] is None
            or row["success_rate_change"] >= -thresholds["signal_scale_up_max_success_rate_drop"]
        )
    ):
        fired.append("scale_up")
    return (fired[0] if fired else "hold"), fired


def test_each_recommendation_follows_from_its_own_row(db) -> None:
    """Explainable: the evidence columns of a row and the thresholds give its recommendation, the
    rules it matched, and the evidence columns themselves follow from the money columns."""
    thresholds = settings()
    signals = rows(db, "select * from marts.mart_allocation_signals")
    assert signals
    for row in signals:
        recommendation, fired = expected_recommendation(row, thresholds)
        key = (row["team_id"], row["workflow_name"], row["month"])
        assert row["recommendation"] == recommendation, (key, row)
        assert (row["signals_triggered"] or "") == ", ".join(fired), (key, row)
        if row["spend_usd"] > 0:
            assert math.isclose(row["retry_spend_share"], row["retry_spend_usd"] / row["spend_usd"], rel_tol=1e-12)
            assert math.isclose(
                row["routing_excess_share"], row["routing_excess_usd"] / row["spend_usd"], rel_tol=1e-12
            )
        if row["successful_items"]:
            assert math.isclose(
                row["fully_loaded_cost_per_successful_usd"],
                (row["ai_cost_usd"] + row["human_cost_usd"]) / row["successful_items"],
                rel_tol=1e-12,
            )


def test_marginal_utility_is_the_teams_as_of_the_months_last_week(db) -> None:
    checked = 0
    for row in rows(db, "select * from marts.mart_allocation_signals where marginal_utility_week_start is not null"):
        week = row["marginal_utility_week_start"]
        week_end = week + dt.timedelta(days=6)
        assert (week_end.year, week_end.month) == (row["month"].year, row["month"].month)
        assert (week_end + dt.timedelta(days=7)).month != week_end.month, "not the month's last complete week"
        utility = db.execute(
            "select marginal_token_utility from marts.mart_marginal_token_utility where team_id = ? and week_start = ?",
            [row["team_id"], week],
        ).fetchone()[0]
        assert utility == row["marginal_token_utility"]
        checked += 1
    assert checked >= 9


# ---------------------------------------------------------------------------------------------
# budgets on the demo


def test_budget_as_of_date_is_the_latest_charge_date(db) -> None:
    latest = db.execute(
        "select max(charge_date) from marts.fct_spend_ledger where category <> 'quarantined'"
    ).fetchone()[0]
    assert db.execute("select distinct as_of_date from marts.mart_budget_vs_actual").fetchall() == [(latest,)]
    months = {row[0] for row in db.execute("select month from marts.mart_budget_vs_actual").fetchall()}
    assert max(months) == latest.replace(day=1)


def test_budget_spend_adds_up_to_the_ledger(db) -> None:
    """Every USD of AI spend in the ledger up to the as-of day is in exactly one team-month of the budget mart
    (the out_of_scope services of a cloud bill are not AI spend: real-inputs.md 3)."""
    budget_total = db.execute("select sum(spend_to_date_usd) from marts.mart_budget_vs_actual").fetchone()[0]
    ledger_total = db.execute(
        """
        select sum(amount_usd) from marts.fct_spend_ledger
        where charge_date <= (select max(as_of_date) from marts.mart_budget_vs_actual) and category <> 'out_of_scope'
        """
    ).fetchone()[0]
    assert budget_total == pytest.approx(ledger_total, abs=1e-6)
    per_team = rows(
        db,
        """
        select b.team_id, b.month, b.spend_to_date_usd, coalesce(l.usd, 0) as ledger_usd
        from marts.mart_budget_vs_actual as b
        left join (
            select team_id, charge_month, sum(amount_usd) as usd from marts.fct_spend_ledger
            where category <> 'out_of_scope' group by 1, 2
        ) as l on b.team_id = l.team_id and b.month = l.charge_month
        """,
    )
    for row in per_team:
        assert row["spend_to_date_usd"] == pytest.approx(row["ledger_usd"], abs=1e-9), row


def test_budget_runway_and_forecast_agree(db) -> None:
    """In the open month: the forecast exceeds the budget exactly when the budget runs out before the
    month does (at the same daily rate); every team of the seed has a budget row."""
    open_rows = rows(
        db, "select * from marts.mart_budget_vs_actual where not is_month_closed and budget_usd is not null"
    )
    assert open_rows
    for row in open_rows:
        days_left_in_month = row["days_in_month"] - row["days_elapsed"]
        if row["spend_to_date_usd"] < row["budget_usd"] and row["days_until_budget_exhausted"] is not None:
            runs_out_in_month = row["days_until_budget_exhausted"] < days_left_in_month
            assert runs_out_in_month == (row["forecast_month_end_usd"] > row["budget_usd"]), row
    statuses = {row["budget_status"] for row in rows(db, "select budget_status from marts.mart_budget_vs_actual")}
    assert {"over_budget", "forecast_over_budget", "within_budget", "no_budget"} <= statuses


# ---------------------------------------------------------------------------------------------
# on a copy: other thresholds, MetricFlow, dbt docs


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dbt project (no target/, data/ or venv) in a temporary directory, parsed."""
    project = copy_project(tmp_path_factory.mktemp("decisions") / "project")
    completed = dbt(project, project / "unused.duckdb", "parse")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert (project / "target" / "semantic_manifest.json").exists()
    return project


def warehouse_copy(directory: Path) -> Path:
    assert DATABASE.exists(), f"{DATABASE} is missing: run `make build` first"
    copy = directory / "warehouse.duckdb"
    shutil.copy2(DATABASE, copy)
    return copy


def environment(project: Path, database: Path) -> dict[str, str]:
    return dbt_environment(project, database, DBT_TARGET="duckdb")


def dbt(project: Path, database: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dbt"), *args, "--vars", json.dumps({"raw_dir": str(PROJECT_ROOT / "data" / "demo")})],
        cwd=project,
        env=environment(project, database),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_threshold_vars_move_the_signals(project_copy: Path, tmp_path: Path) -> None:
    """With return_to_humans at 0.35 × the BPO price (a threshold no finance team would keep), legal-ops'
    contract review — fully loaded at 0.38 of the BPO price in two of its months — is sent back to people:
    the var reaches the rule, and the rule fires on real data."""
    database = warehouse_copy(tmp_path)
    environment_vars = {"raw_dir": str(PROJECT_ROOT / "data" / "demo"), "signal_return_to_humans_cost_ratio": 0.35}
    completed = subprocess.run(
        [str(BIN / "dbt"), "run", "-s", "mart_allocation_signals", "--vars", json.dumps(environment_vars)],
        cwd=project_copy,
        env=environment(project_copy, database),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    with duckdb.connect(str(database), read_only=True) as connection:
        sent_back = rows(
            connection,
            """
            select team_id, workflow_name, month, fully_loaded_cost_to_bpo_ratio, decision_rule
            from marts.mart_allocation_signals where recommendation = 'return_to_humans'
            """,
        )
    assert sent_back, "return_to_humans did not fire at 0.35"
    assert {row["team_id"] for row in sent_back} == {"legal-ops"}
    for row in sent_back:
        assert row["fully_loaded_cost_to_bpo_ratio"] > 0.35
        assert "0.35 * bpo_unit_price_usd" in row["decision_rule"]


def metricflow(project: Path, database: Path, out: Path, *args: str) -> list[dict[str, str]]:
    completed = subprocess.run(
        [str(BIN / "mf"), "query", *args, "--csv", str(out)],
        cwd=project,
        env=environment(project, database),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0 and out.exists(), completed.stdout[-4000:] + completed.stderr[-4000:]
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def as_float(value: str) -> float | None:
    return None if value in ("", "None", "nan") else float(value)


@pytest.fixture(scope="module")
def metricflow_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warehouse_copy(tmp_path_factory.mktemp("metricflow"))


def test_metricflow_cost_per_successful_outcome_equals_the_mart(
    project_copy: Path, metricflow_warehouse: Path, tmp_path: Path
) -> None:
    """The governed metric, queried through MetricFlow, reproduces mart_cost_per_outcome cell by cell."""
    result = metricflow(
        project_copy,
        metricflow_warehouse,
        tmp_path / "cost.csv",
        "--metrics",
        "cost_per_successful_outcome,success_rate,value,fully_loaded_cost_per_successful_outcome",
        "--group-by",
        "metric_time__month,team,work_item__work_item_type",
    )
    by_cell = {
        (row["metric_time__month"][:10], row["team"], row["work_item__work_item_type"]): row
        for row in result
        if row["metric_time__month"]
    }
    with duckdb.connect(str(metricflow_warehouse), read_only=True) as connection:
        mart = rows(connection, "select * from marts.mart_cost_per_outcome")
    assert mart and len(by_cell) == len(mart)
    for cell in mart:
        key = (cell["completion_month"].isoformat(), cell["team_id"], cell["work_item_type"])
        queried = by_cell[key]
        assert as_float(queried["cost_per_successful_outcome"]) == pytest.approx(
            cell["cost_per_successful_usd"], rel=1e-9
        )
        assert as_float(queried["success_rate"]) == pytest.approx(cell["success_rate"], rel=1e-9)
        assert as_float(queried["value"]) == pytest.approx(cell["value_usd"], rel=1e-9)
        assert as_float(queried["fully_loaded_cost_per_successful_outcome"]) == pytest.approx(
            cell["fully_loaded_cost_per_successful_usd"], rel=1e-9
        )


def test_metricflow_marginal_token_utility_equals_the_mart(
    project_copy: Path, metricflow_warehouse: Path, tmp_path: Path
) -> None:
    result = metricflow(
        project_copy, metricflow_warehouse, tmp_path / "mtu.csv", "--saved-query", "marginal_utility_weekly"
    )
    queried = {(row["metric_time__week"][:10], row["team"]): as_float(row["marginal_token_utility"]) for row in result}
    with duckdb.connect(str(metricflow_warehouse), read_only=True) as connection:
        mart = rows(
            connection,
            "select team_id, week_start, marginal_token_utility from marts.mart_marginal_token_utility "
            "where marginal_token_utility is not null",
        )
    assert len(mart) >= 20
    for row in mart:
        assert queried[(row["week_start"].isoformat(), row["team_id"])] == pytest.approx(
            row["marginal_token_utility"], rel=1e-9
        )


def test_metricflow_untraced_share_equals_the_ledger(
    project_copy: Path, metricflow_warehouse: Path, tmp_path: Path
) -> None:
    result = metricflow(
        project_copy, metricflow_warehouse, tmp_path / "spend.csv", "--saved-query", "spend_monthly_by_team"
    )
    with duckdb.connect(str(metricflow_warehouse), read_only=True) as connection:
        ledger = rows(
            connection,
            """
            select charge_month, team_id, sum(case when category <> 'out_of_scope' then amount_usd end) as spend,
                sum(case when category = 'untraced' then amount_usd else 0 end)
                / nullif(sum(case when category in ('allocated', 'untraced') then amount_usd else 0 end), 0) as share
            from marts.fct_spend_ledger where charge_month is not null group by 1, 2
            """,
        )
    queried = {(row["metric_time__month"][:10], row["team"]): row for row in result if row["metric_time__month"]}
    assert len(queried) == len(ledger)
    for row in ledger:
        cell = queried[(row["charge_month"].isoformat(), row["team_id"])]
        assert as_float(cell["spend"]) == pytest.approx(row["spend"], rel=1e-9)
        if row["share"] is not None:
            assert as_float(cell["untraced_share"]) == pytest.approx(row["share"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("saved_query", "time_column"),
    [
        ("outcome_economics_monthly", "metric_time__month"),
        ("spend_monthly_by_team", "metric_time__month"),
        ("marginal_utility_weekly", "metric_time__week"),
    ],
)
def test_saved_queries_have_no_undated_or_nan_rows_and_are_sorted(
    project_copy: Path, metricflow_warehouse: Path, tmp_path: Path, saved_query: str, time_column: str
) -> None:
    """Open work items (no completion date) and quarantined ledger rows (no USD) used to come out as rows
    with an empty date and NaN ratios, one per team; every row now has its period, and the rows come
    sorted by period, then team."""
    result = metricflow(project_copy, metricflow_warehouse, tmp_path / "saved.csv", "--saved-query", saved_query)
    assert result
    assert all(row[time_column] for row in result), [row for row in result if not row[time_column]]
    assert not [row for row in result if "nan" in {value.lower() for value in row.values()}]
    keys = [(row[time_column], row["team"]) for row in result]
    assert keys == sorted(keys)


def test_dbt_docs_generate_covers_the_decision_layer(project_copy: Path, tmp_path: Path) -> None:
    """`dbt docs generate` works; the catalog has the decision marts and the lineage ends in the exposures."""
    database = warehouse_copy(tmp_path)
    completed = dbt(project_copy, database, "docs", "generate")
    assert completed.returncode == 0, completed.stdout[-4000:]
    catalog = json.loads((project_copy / "target" / "catalog.json").read_text())
    manifest = json.loads((project_copy / "target" / "manifest.json").read_text())
    for model in ("mart_budget_vs_actual", "mart_allocation_signals", "time_spine_daily"):
        assert f"model.token_ledger.{model}" in catalog["nodes"], model
    exposures = manifest["exposures"]
    assert {"exposure.token_ledger.cfo_report", "exposure.token_ledger.llm_spend_dashboard"} <= set(exposures)
    assert (
        "model.token_ledger.mart_allocation_signals"
        in exposures["exposure.token_ledger.cfo_report"]["depends_on"]["nodes"]
    )
    assert (
        "metric.token_ledger.cost_per_successful_outcome"
        in (exposures["exposure.token_ledger.llm_spend_dashboard"]["depends_on"]["nodes"])
    )
    assert {"outcome_economics_monthly", "spend_monthly_by_team", "marginal_utility_weekly"} <= {
        node["name"] for node in manifest["saved_queries"].values()
    }
