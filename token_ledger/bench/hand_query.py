"""(c): the hand-written DuckDB query (benchmarks/hand_query.sql), its process, and the cell-by-cell check
against marts.mart_cost_per_outcome.

Run in its own process (so its peak memory is its own): ``python -m token_ledger.bench.hand_query LANDING SEEDS OUT``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path

from token_ledger.bench.measure import Measured, run_measured
from token_ledger.bench.settings import (
    COUNT_COLUMNS,
    HAND_QUERY,
    KEY_COLUMNS,
    MONEY_COLUMNS,
    MONEY_TOLERANCE,
    RATE_COLUMNS,
    RATE_TOLERANCE,
    REPO_ROOT,
)

# -------------------------------------------------------------------------------------- the hand query


def hand_query_sql(landing: Path, seeds: Path) -> str:
    return HAND_QUERY.read_text().replace("__LANDING__", str(landing)).replace("__SEEDS__", str(seeds))


def hand_query_main(landing: str, seeds: str, out: str) -> None:
    """Runs in its own process (so its peak memory is its own): the query, timed, rows to a JSON file."""
    import duckdb

    sql = hand_query_sql(Path(landing), Path(seeds))
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    payload = {
        "seconds": seconds,
        "cpu_seconds": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
        "columns": names,
        "rows": [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in rows],
        "duckdb": duckdb.__version__,
    }
    Path(out).write_text(json.dumps(payload))


def run_hand_query(label: str, landing: Path, seeds: Path, work: Path) -> tuple[Measured, list[dict]]:
    out = work / f"{label}.json"
    cmd = [sys.executable, "-m", "token_ledger.bench.hand_query", str(landing), str(seeds), str(out)]
    result = run_measured(label, cmd, dict(os.environ), work / f"{label}.log", REPO_ROOT)
    if result.returncode != 0:
        raise SystemExit(f"hand query failed, see {result.log_path}:\n{result.log_path.read_text()[-3000:]}")
    payload = json.loads(out.read_text())
    result.extra["query_seconds"] = payload["seconds"]
    result.extra["query_cpu_seconds"] = payload["cpu_seconds"]
    rows = [dict(zip(payload["columns"], row)) for row in payload["rows"]]
    for row in rows:
        row["completion_month"] = dt.date.fromisoformat(row["completion_month"])
    return result, rows


# ---------------------------------------------------------------------------------------- comparison


def compare(mart: list[dict], hand: list[dict]) -> list[str]:
    """Every cell of the mart against the hand query: counts exact, money to 1e-6, rates to 1e-9."""

    def key(row: dict) -> tuple:
        return tuple(str(row[k]) for k in KEY_COLUMNS)

    problems: list[str] = []
    by_mart = {key(r): r for r in mart}
    by_hand = {key(r): r for r in hand}
    for k in sorted(set(by_mart) - set(by_hand)):
        problems.append(f"cell {k} only in the mart")
    for k in sorted(set(by_hand) - set(by_mart)):
        problems.append(f"cell {k} only in the hand query")
    for k in sorted(set(by_mart) & set(by_hand)):
        m, h = by_mart[k], by_hand[k]
        for col in COUNT_COLUMNS:
            if m[col] != h[col]:
                problems.append(f"cell {k} {col}: mart {m[col]} vs hand {h[col]}")
        for col, tol in [(c, MONEY_TOLERANCE) for c in MONEY_COLUMNS] + [(c, RATE_TOLERANCE) for c in RATE_COLUMNS]:
            a, b = m[col], h[col]
            if a is None or b is None:
                if (a is None) != (b is None):
                    problems.append(f"cell {k} {col}: mart {a} vs hand {b}")
            elif abs(a - b) > tol:
                problems.append(f"cell {k} {col}: mart {a!r} vs hand {b!r} (diff {a - b:.3g})")
    if not mart:
        problems.append("the mart is empty")
    return problems


if __name__ == "__main__":
    hand_query_main(*sys.argv[1:4])
