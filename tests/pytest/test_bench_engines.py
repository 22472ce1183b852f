"""``token-ledger bench --engine``: which engines run, where Spark's warehouse lives, and what the summary says
of Spark's (a) and (b) (token_ledger/bench/)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest

from token_ledger.bench.datasets import DataSet
from token_ledger.bench.dbt import Dbt
from token_ledger.bench.measure import Measured
from token_ledger.bench.results import SizeResult, history_pairs, summary_lines
from token_ledger.cli import _engines


def test_engine_option_accepts_duckdb_spark_or_both_in_run_order():
    assert _engines("duckdb") == "duckdb"
    assert _engines("Spark") == "spark"
    assert _engines("spark,duckdb") == "duckdb,spark"  # DuckDB first: Spark's (b) is compared with it
    for bad in ("", "postgres", "duckdb,duckdb", "spark,x"):
        with pytest.raises(argparse.ArgumentTypeError):
            _engines(bad)


def test_spark_dbt_runs_the_spark_target_in_its_own_home(tmp_path: Path):
    dbt = Dbt(tmp_path / "project", tmp_path / "work", tmp_path / "landing", dt.date(2026, 10, 26), "spark")
    assert dbt.env["DBT_TARGET"] == "spark"
    assert dbt.env["DBT_SPARK_HOME"] == str(tmp_path / "work" / "spark")
    (tmp_path / "work" / "spark" / "warehouse").mkdir(parents=True)
    dbt.fresh()
    assert not (tmp_path / "work" / "spark").exists()
    duck = Dbt(tmp_path / "project", tmp_path / "work", tmp_path / "landing", dt.date(2026, 10, 26))
    assert duck.env["DBT_TARGET"] == "duckdb" and duck.warehouse == tmp_path / "work" / "warehouse.duckdb"


def _measured(label: str, seconds: float) -> Measured:
    return Measured(label, seconds, seconds / 2, 1 << 30, 0, Path(f"{label}.log"), 0.0, 0.0)


def _result(engine: str, full: float, incremental: float, weeks: int = 12) -> SizeResult:
    ds = DataSet("100k", 100_000, 2.9, Path("data/bench/spans-100k"), weeks)
    res = SizeResult(ds, engine=engine, base_rows=98_000, next_rows=100_000)
    res.full, res.incremental = _measured("a_full_refresh", full), _measured("b_incremental", incremental)
    return res


def test_spark_summary_gives_loads_apart_and_b_against_duckdb():
    duck = _result("duckdb", 20.0, 5.0)
    spark = _result("spark", 300.0, 290.0)
    spark.loads = [_measured("load_day_n", 30.0), _measured("load_day_n_plus_1", 31.0)]
    spark.compared_with = duck
    lines = summary_lines(spark)
    assert lines[0].startswith("spans-100k on Spark: 98,000 span rows on day N, 100,000 on day N+1")
    assert "(b) rebuilds every table" in lines[0]
    names = [line.split("  ")[1].strip() for line in lines[1:5]]
    assert names == ["load day n", "(a) dbt run --full-refresh", "load day n plus 1", "(b) dbt run, one more day"]
    assert "(b)/(a) = 0.97" in lines[-1] and "loads not included" in lines[-1]
    assert "Spark (b) / DuckDB (b) = 58.00" in lines[-1]
    assert "CPU" not in "".join(lines[1:5])  # rusage misses the JVM: no CPU figure for Spark
    spark.compared_with = None
    assert "DuckDB" not in summary_lines(spark)[-1]


def test_spark_summary_says_whether_its_mart_matched_the_hand_query():
    spark = _result("spark", 300.0, 290.0)
    spark.loads = [_measured("load_day_n", 30.0), _measured("load_day_n_plus_1", 31.0)]
    spark.cells = 9
    spark.match_full, spark.match_next = [], []
    assert summary_lines(spark)[-1] == "  hand query == Spark's mart after (a) and (b): yes (9 cells)"
    spark.match_next = ["cell ('x',) runs: mart 3 vs hand 4"]
    assert summary_lines(spark)[-1] == "  hand query == Spark's mart after (a) and (b): NO (9 cells)"


def test_history_is_compared_within_one_engine():
    short, long = _result("duckdb", 20.0, 5.0), _result("duckdb", 200.0, 8.0, weeks=120)
    spark_long = _result("spark", 300.0, 290.0, weeks=120)
    pairs = history_pairs([short, long, spark_long])
    assert [(a.engine, b.engine, ratio) for a, b, ratio, _ in pairs] == [("duckdb", "duckdb", 1.6)]
