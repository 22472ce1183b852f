"""What the benchmark runs on: the data set's window, the mart it checks, where it writes."""

from __future__ import annotations

import datetime as dt
import os
import re

from token_ledger.paths import project_root

REPO_ROOT = project_root()
BENCH_DIR = REPO_ROOT / "benchmarks"
HAND_QUERY = BENCH_DIR / "hand_query.sql"
RESULTS = BENCH_DIR / "RESULTS.md"

SEED = 42
START = dt.date(2026, 8, 4)  # a Tuesday: day N+1 of any whole number of weeks is a Monday
WEEKS = 12
# A size with a longer history (e.g. 10m@120w: the daily volume of 1m over ten times the weeks) starts on the
# same day and ends later: the seeds price every model the generator uses from 2025-10-15 on, not before.
# Every size passes its own day N+1 as var run_date.


def new_day(weeks: int) -> dt.date:
    """Day N+1, the day that arrives in (b), of a history of `weeks` weeks: always a Monday."""
    return START + dt.timedelta(days=weeks * 7 - 1)


def cutoff(weeks: int) -> dt.datetime:
    """The end of day N: midnight starting day N+1, UTC."""
    day = new_day(weeks)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


BILL_LAG_DAYS = 2  # the generator bills through the window's last day minus two
SPANS_PER_SCALE = 35_088  # landing span rows per unit of --scale over the 12-week window (1m -> 28.5)
QUICK_SIZE = "100k"

KEY_COLUMNS = ["work_item_type", "team_id", "completion_month"]
COUNT_COLUMNS = [
    "completed_items",
    "automated_items",
    "assisted_items",
    "failed_items",
    "first_pass_items",
    "runs",
]
MONEY_COLUMNS = [
    "ai_cost_usd",
    "human_cost_usd",
    "failed_ai_cost_usd",
    "value_usd",
    "cost_per_completed_usd",
    "cost_per_successful_usd",
    "fully_loaded_cost_per_successful_usd",
    "bpo_unit_price_usd",
    "net_value_usd",
]
RATE_COLUMNS = ["first_pass_rate", "success_rate"]
MART_COLUMNS = KEY_COLUMNS + COUNT_COLUMNS + MONEY_COLUMNS + RATE_COLUMNS
MONEY_TOLERANCE = 1e-6
RATE_TOLERANCE = 1e-9

# What a snapshot holds: the dbt project and nothing else (as tests/pytest/harness.py copies it for a build);
# tests/pytest and tests/fixtures are Python tests and their landing files, not dbt tests.
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "package-lock.yml", "selectors.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "analyses", "snapshots", "dbt_packages", "tests")
NON_DBT_TEST_DIRS = ("pytest", "fixtures")


def duckdb_memory_limit() -> str:
    """The DuckDB memory limit dbt runs with: DBT_DUCKDB_MEMORY_LIMIT, else the default profiles.yml gives it."""
    if os.environ.get("DBT_DUCKDB_MEMORY_LIMIT"):
        return os.environ["DBT_DUCKDB_MEMORY_LIMIT"]
    found = re.search(r"env_var\('DBT_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", (REPO_ROOT / "profiles.yml").read_text())
    return found.group(1) if found else "?"
