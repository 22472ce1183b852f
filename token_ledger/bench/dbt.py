"""dbt invocations on a frozen copy of the project, measured; their run_results."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from token_ledger.bench.measure import Measured, run_measured
from token_ledger.bench.settings import MART_COLUMNS

# ------------------------------------------------------------------------------------------------ dbt


class Dbt:
    """dbt on one engine (profiles.yml target ``duckdb`` or ``spark``) with its own warehouse under ``work``:
    DuckDB's file, or Spark's DBT_SPARK_HOME (warehouse and metastore, filled by ``token-ledger load``)."""

    def __init__(self, project: Path, work: Path, landing: Path, run_date: dt.date, engine: str = "duckdb"):
        self.project = project
        self.work = work
        self.engine = engine
        self.warehouse = work / ("spark" if engine == "spark" else "warehouse.duckdb")
        self.target = work / "dbt_target"
        self.env = dict(
            os.environ,
            DBT_PROJECT_DIR=str(project),
            DBT_PROFILES_DIR=str(project),
            DBT_DUCKDB_PATH=str(work / "warehouse.duckdb"),
            DBT_SPARK_HOME=str(work / "spark"),
            DBT_TARGET=engine,
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        # run_date: the data's day N+1, not today's date (a longer history ends after today)
        self.vars = json.dumps({"raw_dir": str(landing), "run_date": run_date.isoformat()})
        self.exe = str(Path(sys.executable).parent / "dbt")

    def fresh(self) -> None:
        if self.engine == "spark":
            shutil.rmtree(self.warehouse, ignore_errors=True)
            return
        for suffix in ("", ".wal"):
            Path(str(self.warehouse) + suffix).unlink(missing_ok=True)

    def load(self, label: str, landing: Path) -> Measured:
        """``token-ledger load --target spark`` of a landing directory into this warehouse's raw schema."""
        cmd = [
            str(Path(sys.executable).parent / "token-ledger"),
            "load",
            "--target",
            "spark",
            "--landing",
            str(landing),
        ]
        return run_measured(label, cmd, self.env, self.work / f"{label}.log", self.project)

    def run(self, label: str, *args: str) -> Measured:
        cmd = [
            self.exe,
            *args,
            "--target",
            self.engine,
            "--project-dir",
            str(self.project),
            "--profiles-dir",
            str(self.project),
            "--target-path",
            str(self.target),
            "--log-path",
            str(self.work / "logs"),
            "--vars",
            self.vars,
        ]
        result = run_measured(label, cmd, self.env, self.work / f"{label}.log", self.project)
        results_file = self.target / "run_results.json"
        if results_file.exists():
            keep = self.work / f"{label}.run_results.json"
            shutil.copyfile(results_file, keep)
            result.extra["run_results"] = json.loads(keep.read_text())
        return result

    def incremental_models(self) -> list[str]:
        manifest = self.target / "manifest.json"
        if not manifest.exists():
            return []
        nodes = json.loads(manifest.read_text())["nodes"].values()
        return sorted(
            n["name"]
            for n in nodes
            if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
        )

    def mart(self) -> list[dict]:
        """The columns of marts.mart_cost_per_outcome the hand query computes. On Spark, read in a process of
        its own: Spark's embedded metastore takes one process at a time, and the next dbt run needs it."""
        if self.engine == "spark":
            out = self.work / "spark_mart.json"
            cmd = [sys.executable, "-m", "token_ledger.bench.dbt", str(out)]
            done = subprocess.run(cmd, env=self.env, cwd=self.project, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"reading the Spark mart failed:\n{done.stderr[-3000:]}")
            rows = json.loads(out.read_text())
            for row in rows:
                row["completion_month"] = dt.date.fromisoformat(row["completion_month"])
            return rows
        import duckdb

        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            cur = con.execute(MART_QUERY)
            return [dict(zip(MART_COLUMNS, row)) for row in cur.fetchall()]
        finally:
            con.close()


MART_QUERY = f"select {', '.join(MART_COLUMNS)} from marts.mart_cost_per_outcome"


def spark_mart_main(out: str) -> None:
    """The mart from the Spark warehouse of DBT_SPARK_HOME, to a JSON file (dates as ISO text)."""
    from token_ledger import load

    session = load.spark_session()
    try:
        rows = session.sql(MART_QUERY).collect()
    finally:
        session.stop()
    payload = [
        {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in zip(MART_COLUMNS, row)}
        for row in rows
    ]
    Path(out).write_text(json.dumps(payload))


def node_summary(run_results: dict) -> dict:
    """Status counts and per-node timings of one dbt invocation."""
    statuses: dict[str, int] = {}
    nodes = []
    for r in run_results.get("results", []):
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        nodes.append((r["unique_id"], r.get("execution_time") or 0.0, r["status"]))
    nodes.sort(key=lambda n: -n[1])
    return {
        "statuses": statuses,
        "nodes": nodes,
        "node_seconds": sum(n[1] for n in nodes),
        "elapsed": run_results.get("elapsed_time"),
    }


if __name__ == "__main__":
    spark_mart_main(sys.argv[1])
