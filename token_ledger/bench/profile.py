"""Diagnosis: the slowest table models of (a) re-run one at a time, profiled (``--profile-models``).

Run in its own process: ``python -m token_ledger.bench.profile WAREHOUSE TARGET WORK RUN_RESULTS LIMIT OUT``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from token_ledger.bench.dbt import node_summary
from token_ledger.bench.measure import log


def profile_models(warehouse: Path, target: Path, work: Path, run_results: dict, limit: int) -> list[dict]:
    """Re-run the compiled SQL of the slowest table models of (a) one at a time, alone, in the built
    warehouse (``create temp table ... as``): wall and CPU time per model without the other dbt thread,
    and the three most expensive operators of DuckDB's profile. Diagnosis only; not part of any ratio."""
    import duckdb

    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    ordered = [uid for uid, _, _ in node_summary(run_results)["nodes"] if uid.startswith("model.")]
    chosen = [u for u in ordered if manifest[u]["config"].get("materialized") in ("table", "incremental")][:limit]
    con = duckdb.connect(str(warehouse))
    con.execute("set TimeZone = 'UTC'")
    out = []
    try:
        for uid in chosen:
            node = manifest[uid]
            compiled = target / "compiled" / node["package_name"] / node["original_file_path"]
            profile_file = work / f"profile_{node['name']}.json"
            con.execute("pragma enable_profiling = 'json'")
            con.execute(f"pragma profiling_output = '{profile_file}'")
            before = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            con.execute(f"create or replace temp table __bench_profile as {compiled.read_text()}")
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_SELF)
            con.execute("pragma disable_profiling")
            rows = con.execute("select count(*) from __bench_profile").fetchone()[0]
            out.append(
                {
                    "model": node["name"],
                    "seconds": seconds,
                    "cpu_seconds": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
                    "rows": rows,
                    "operators": top_operators(profile_file),
                }
            )
            log(f"profile {node['name']}: {seconds:.1f} s wall, {out[-1]['cpu_seconds']:.1f} s CPU, {rows:,} rows")
        con.execute("drop table if exists __bench_profile")
    finally:
        con.close()
    return out


def top_operators(profile_file: Path, n: int = 3) -> list[str]:
    """The n operators with the largest timing in a DuckDB JSON profile, shortly described."""
    try:
        tree = json.loads(profile_file.read_text())
    except (OSError, ValueError):
        return []
    found: list[tuple[float, str]] = []

    def walk(node: dict) -> None:
        info = node.get("extra_info") or {}
        detail = info.get("Aggregates") or info.get("Conditions") or info.get("Projections") or info.get("Table")
        detail = detail or info.get("Function") or ""
        text = json.dumps(detail) if not isinstance(detail, str) else detail
        found.append(
            (node.get("timing", 0.0), f"{node.get('type')} ({node.get('intermediate_rows', 0):,} rows) {text}")
        )
        for child in node.get("children", []):
            walk(child)

    for child in tree.get("operator", tree.get("children", [])):
        walk(child)
    found.sort(key=lambda f: -f[0])
    return [f"{t:.1f} s {d[:160]}" for t, d in found[:n]]


def main(argv: list[str]) -> None:
    warehouse, target, work, results_file, limit, out = argv
    run_results = json.loads(Path(results_file).read_text())
    found = profile_models(Path(warehouse), Path(target), Path(work), run_results, int(limit))
    Path(out).write_text(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1:7])
