"""Reading the marts the report draws (the exposure cfo_report in models/exposures.yml lists them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from token_ledger.report.style import clean

# The relations the report reads (keep in step with the exposure cfo_report).
REQUIRED_RELATIONS = (
    "fct_spend_ledger",
    "fct_work_items",
    "dim_teams",
    "mart_cost_per_outcome",
    "mart_marginal_token_utility",
    "mart_spend_leaks",
    "mart_invoice_reconciliation",
    "mart_budget_vs_actual",
    "mart_allocation_signals",
)


class ReportError(RuntimeError):
    """The warehouse cannot feed the report (missing file or mart)."""


def query(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Rows as dicts, text without control characters (the page escapes the rest: page.py, style.py)."""
    cursor = connection.execute(sql)
    columns = [description[0] for description in cursor.description]
    return [{column: clean(value) for column, value in zip(columns, row, strict=True)} for row in cursor.fetchall()]


def load(database: Path) -> dict[str, Any]:
    if not database.exists():
        raise ReportError(f"{database} does not exist: run `make build` first")
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise ReportError(
                f"{database} is in use by another process (a dbt build still running?): wait for it to finish"
            ) from None
        raise
    try:
        present = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [name for name in REQUIRED_RELATIONS if name not in present]
        if missing:
            raise ReportError(f"{database} has no marts.{', marts.'.join(missing)}: run `make build` first")
        data = {
            "ledger_totals": query(
                connection,
                """
                select category, sum(amount_usd) as amount_usd, count(*) as cells
                from marts.fct_spend_ledger group by 1
                """,
            ),
            "teams": query(connection, "select team_id, team_name from marts.dim_teams order by team_id"),
            "weekly_outcomes": query(
                connection,
                """
                select
                    workflow_name,
                    work_item_type,
                    cast(date_trunc('week', completed_at) as date) as week_start,
                    count(*) as completed_items,
                    sum(case when outcome_class in ('automated', 'assisted') then 1 else 0 end) as successes,
                    sum(ai_cost_usd) as ai_cost_usd,
                    sum(provisional_ai_cost_usd) as provisional_ai_cost_usd,
                    sum(value_usd) as value_usd
                from marts.fct_work_items
                where outcome_class <> 'open'
                group by 1, 2, 3
                order by 1, 3
                """,
            ),
            "cost_per_outcome": query(
                connection,
                "select * from marts.mart_cost_per_outcome order by completion_month, work_item_type, team_id",
            ),
            "utility": query(
                connection, "select * from marts.mart_marginal_token_utility order by team_id, week_start"
            ),
            "leaks": query(connection, "select * from marts.mart_spend_leaks order by team_id, workflow_name, month"),
            "untraced_by_team": query(
                connection,
                """
                select team_id, sum(amount_usd) as untraced_usd
                from marts.fct_spend_ledger where category = 'untraced' group by 1 order by 1
                """,
            ),
            "invoices": query(
                connection,
                "select * from marts.mart_invoice_reconciliation order by provider, month nulls first, invoice_id",
            ),
            "budgets": query(connection, "select * from marts.mart_budget_vs_actual order by month, team_id"),
            "signals": query(
                connection, "select * from marts.mart_allocation_signals order by team_id, workflow_name, month"
            ),
        }
    finally:
        connection.close()
    return data
