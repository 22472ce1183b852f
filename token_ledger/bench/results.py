"""What a run reports: the summary it prints and benchmarks/RESULTS.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field

from token_ledger.bench.datasets import DataSet
from token_ledger.bench.dbt import node_summary
from token_ledger.bench.measure import Measured, fmt_ratio, fmt_s, human_bytes, log
from token_ledger.bench.settings import (
    BILL_LAG_DAYS,
    PROJECT_DIRS,
    PROJECT_FILES,
    REPO_ROOT,
    RESULTS,
    SEED,
    START,
    duckdb_memory_limit,
)


@dataclass
class SizeResult:
    ds: DataSet
    engine: str = "duckdb"  # or "spark": (a) and (b) only, after loads timed apart
    seed: Measured | None = None
    full: Measured | None = None
    full_tests: Measured | None = None
    incremental: Measured | None = None
    incremental_tests: Measured | None = None
    hand_runs: list[Measured] = field(default_factory=list)  # (c), each run in its own process
    hand_next: Measured | None = None
    incremental_models: list[str] = field(default_factory=list)
    cells: int = 0
    match_full: list[str] | None = None
    match_next: list[str] | None = None
    base_rows: int = 0
    next_rows: int = 0
    profile: list[dict] = field(default_factory=list)
    loads: list[Measured] = field(default_factory=list)  # Spark: token-ledger load of day N, then of day N+1
    compared_with: SizeResult | None = None  # Spark: DuckDB's result on the same size in the same run

    @property
    def hand_seconds(self) -> float:
        """(c): the median over its runs of the query's execution time."""
        return statistics.median(h.extra["query_seconds"] for h in self.hand_runs)

    @property
    def hand_cpu_seconds(self) -> float:
        return statistics.median(h.extra["query_cpu_seconds"] for h in self.hand_runs)

    @property
    def hand_process_seconds(self) -> float:
        return statistics.median(h.seconds for h in self.hand_runs)

    @property
    def hand_peak_rss(self) -> int:
        return max(h.peak_rss for h in self.hand_runs)


# ----------------------------------------------------------------------------------------- reporting


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    info["memory"] = human_bytes(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        info["affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    import duckdb
    import pyarrow

    info["duckdb"] = duckdb.__version__
    info["pyarrow"] = pyarrow.__version__
    try:
        from importlib.metadata import version

        info["dbt-core"] = version("dbt-core")
        info["dbt-duckdb"] = version("dbt-duckdb")
    except Exception:  # noqa: BLE001 - best effort
        pass
    return info


def git_state() -> str:
    """HEAD of the repository, and whether the dbt project has uncommitted changes."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", *PROJECT_DIRS, *PROJECT_FILES],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"HEAD {sha}" + (" + uncommitted changes" if dirty else "")


def top_models(result: Measured | None, n: int = 12) -> list[tuple[str, float]]:
    if result is None or "run_results" not in result.extra:
        return []
    nodes = node_summary(result.extra["run_results"])["nodes"]
    return [(uid.split(".")[-1], secs) for uid, secs, _ in nodes if uid.startswith("model.")][:n]


def ratios(r: SizeResult) -> dict:
    """(a)/(c) and (b)/(a), on wall time (the figure of issue 6) and on CPU time (less sensitive to other
    work on a shared machine)."""
    a, b = r.full, r.incremental

    def div(x: float | None, y: float | None) -> float | None:
        return x / y if x is not None and y else None

    with_tests = None
    if not r.hand_runs:  # Spark: no (c)
        return {"b_a": div(b.seconds, a.seconds), "b_a_cpu": div(b.cpu_seconds, a.cpu_seconds)}
    if r.full_tests and r.incremental_tests:
        with_tests = div(b.seconds + r.incremental_tests.seconds, a.seconds + r.full_tests.seconds)
    return {
        "a_c": div(a.seconds, r.hand_seconds),
        "a_c_cpu": div(a.cpu_seconds, r.hand_cpu_seconds),
        "a_c_process": div(a.seconds, r.hand_process_seconds),
        "b_a": div(b.seconds, a.seconds),
        "b_a_cpu": div(b.cpu_seconds, a.cpu_seconds),
        "b_a_tests": with_tests,
    }


def spark_summary_lines(r: SizeResult) -> list[str]:
    """Spark's loads, (a) and (b), (b)/(a), and Spark's (b) against DuckDB's when the run measured both. Wall
    time only: Spark's JVM is not a child dbt waits for, so the kernel's rusage (the CPU figure) misses it."""
    kind = (
        "incremental models: " + ", ".join(r.incremental_models)
        if r.incremental_models
        else "no incremental model on Spark: (b) rebuilds every table, so (b)/(a) stays near 1"
    )
    out = [f"spans-{r.ds.label} on Spark: {r.base_rows:,} span rows on day N, {r.next_rows:,} on day N+1 ({kind})"]
    rows = [(load.label.replace("_", " "), load) for load in r.loads]
    rows[1:1] = [("(a) dbt run --full-refresh", r.full)]
    rows.append(("(b) dbt run, one more day", r.incremental))
    for name, m in rows:
        out.append(f"  {name:28} {m.seconds:8.1f} s wall   peak RSS {human_bytes(m.peak_rss)}")
    line = f"  (b)/(a) = {fmt_ratio(ratios(r)['b_a'])} (wall; loads not included; no CPU: rusage misses the JVM)"
    duck = r.compared_with
    if duck is not None and duck.incremental is not None:
        line += f"   Spark (b) / DuckDB (b) = {fmt_ratio(r.incremental.seconds / duck.incremental.seconds)}"
    out.append(line)
    if r.match_full is not None:
        match = "yes" if not r.match_full and not r.match_next else "NO"
        out.append(f"  hand query == Spark's mart after (a) and (b): {match} ({r.cells} cells)")
    return out


def summary_lines(r: SizeResult) -> list[str]:
    if r.engine == "spark":
        return spark_summary_lines(r)
    x = ratios(r)
    q, qcpu = r.hand_seconds, r.hand_cpu_seconds
    kind = (
        "incremental models: " + ", ".join(r.incremental_models)
        if r.incremental_models
        else ("NO incremental models yet: (b) is a full rebuild")
    )
    rows = [
        ("(a) dbt run --full-refresh", r.full.seconds, r.full.cpu_seconds, r.base_rows, r.full.peak_rss),
        (
            "(b) dbt run, one more day",
            r.incremental.seconds,
            r.incremental.cpu_seconds,
            r.next_rows,
            r.incremental.peak_rss,
        ),
        (f"(c) hand query, median of {len(r.hand_runs)}", q, qcpu, r.base_rows, r.hand_peak_rss),
    ]
    out = [f"spans-{r.ds.label}: {r.base_rows:,} span rows on day N, {r.next_rows:,} on day N+1 ({kind})"]
    for name, wall, cpu, rows_, rss in rows:
        out.append(
            f"  {name:28} {wall:8.1f} s wall {cpu:8.1f} s CPU {rows_ / wall:>11,.0f} spans/s"
            f"   peak RSS {human_bytes(rss)}"
        )
    for name, t in (("dbt test after (a)", r.full_tests), ("dbt test after (b)", r.incremental_tests)):
        if t is not None:
            out.append(f"  {name:28} {t.seconds:8.1f} s wall {t.cpu_seconds:8.1f} s CPU   exit {t.returncode}")
    match = "yes" if not r.match_full and not r.match_next else "NO"
    out.append(
        f"  (a)/(c) = {fmt_ratio(x['a_c'])} (CPU {fmt_ratio(x['a_c_cpu'])})   (b)/(a) = {fmt_ratio(x['b_a'])} "
        f"(CPU {fmt_ratio(x['b_a_cpu'])})   hand query == mart: {match} ({r.cells} cells)"
    )
    return out


def history_pairs(results: list[SizeResult]) -> list[tuple[SizeResult, SizeResult, float, float]]:
    """Sizes of the same daily volume (generator scale) on histories of different length: (shorter,
    longer, (b) wall ratio, (b) CPU ratio). A daily run that costs what the day brought stays near 1."""
    pairs = []
    for short in results:
        for long in results:
            if long.engine == short.engine and long.ds.scale == short.ds.scale and long.ds.weeks > short.ds.weeks:
                pairs.append(
                    (
                        short,
                        long,
                        long.incremental.seconds / short.incremental.seconds,
                        long.incremental.cpu_seconds / short.incremental.cpu_seconds,
                    )
                )
    return pairs


def history_lines(results: list[SizeResult]) -> list[str]:
    return [
        f"flat in history: (b) on {long.ds.weeks} weeks / (b) on {short.ds.weeks} weeks, the same daily volume "
        f"(spans-{long.ds.label} / spans-{short.ds.label}) = {fmt_ratio(wall)} (CPU {fmt_ratio(cpu)})"
        for short, long, wall, cpu in history_pairs(results)
    ]


def print_summary(results: list[SizeResult]) -> None:
    print("\n" + "=" * 110)
    for r in results:
        print("\n".join(summary_lines(r)))
    for line in history_lines(results):
        print(line)
    print("=" * 110, flush=True)


def write_results(results: list[SizeResult], state: str, args: argparse.Namespace, started: str) -> None:
    m = machine()
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`token-ledger bench`, token_ledger/bench/); what is measured, and how, is in "
        "`benchmarks/README.md`.",
        "**Quote the ratios, not the absolute times**: one run each, on a shared machine; only numbers measured",
        "in the same run are comparable (`../shared/PERFORMANCE.md`). CPU-time ratios are given too: they move",
        "less when other work shares the machine (the load average during each step is listed).",
        "",
        f"- run started {started} UTC; sizes `{args.sizes}`; dbt project: {state}",
        f"- machine: {m.get('nproc')} CPUs ({m.get('cpu', '?')}), {m.get('memory', '?')} RAM, Linux {m.get('kernel')}",
        f"- software: Python {m.get('python')}, DuckDB {m.get('duckdb')}, dbt-core {m.get('dbt-core', '?')}, "
        f"dbt-duckdb {m.get('dbt-duckdb', '?')}, pyarrow {m.get('pyarrow')}; dbt threads 2 (profiles.yml); DuckDB",
        "  one thread per CPU; memory limit "
        + duckdb_memory_limit()
        + " for dbt (profiles.yml), DuckDB's default (80 % of RAM) for the hand query",
        "",
        "## Ratios and memory",
        "",
        "| span rows (day N / N+1) | (a)/(c) wall | (a)/(c) CPU | (b)/(a) wall | (b)/(a) CPU | peak RSS dbt (a) / (b) "
        "| peak RSS (c) | hand query = mart |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        x = ratios(r)
        mark = "" if r.incremental_models else " ¹"
        match = "yes" if not r.match_full and not r.match_next else "**NO**"
        lines.append(
            f"| {r.base_rows:,} / {r.next_rows:,} | **{fmt_ratio(x['a_c'])}** | {fmt_ratio(x['a_c_cpu'])} "
            f"| **{fmt_ratio(x['b_a'])}**{mark} | {fmt_ratio(x['b_a_cpu'])}{mark} "
            f"| {human_bytes(r.full.peak_rss)} / {human_bytes(r.incremental.peak_rss)} "
            f"| {human_bytes(r.hand_peak_rss)} "
            f"| {match} ({r.cells} cells, after (a) and after (b)) |"
        )
    pairs = history_pairs(results)
    if pairs:
        lines += [
            "",
            "Flat in history: (b) on the same daily volume over a longer history, against (b) over the shorter one",
            "(issue 17: at most 1.5 for ten times the history).",
            "",
            "| sizes (same daily volume) | weeks | (b) wall ratio | (b) CPU ratio |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| spans-{long.ds.label} / spans-{short.ds.label} | {long.ds.weeks} / {short.ds.weeks} "
            f"| **{fmt_ratio(wall)}** | {fmt_ratio(cpu)} |"
            for short, long, wall, cpu in pairs
        ]
    lines += [
        "",
        "Targets of issue 17, at 10 M spans: (a)/(c) ≤ 2.0; (b)/(a) ≤ 0.10; flat in history ≤ 1.5; peak memory "
        "of (a) < 4 GiB.",
        "(a) is `dbt run --full-refresh` (models only: seeds and tests are timed apart, below), wall time of the",
        "whole dbt process; (c) is the hand-written query's execution time inside its process.",
        "",
    ]
    if any(not r.incremental_models for r in results):
        lines += [
            "¹ **No model is incremental yet**: (b), `dbt run` without `--full-refresh` after one more day of data,",
            "rebuilds every table, so today (b)/(a) only says that a daily run costs a full build. The benchmark",
            "measures (b) the same way once incremental models exist, and checks that mart against the hand query",
            "on the day N+1 files.",
            "",
        ]
    lines += ["## Details", ""]
    for r in results:
        x = ratios(r)
        q, qcpu = r.hand_seconds, r.hand_cpu_seconds
        facts = r.ds.facts
        lines += [
            f"### spans-{r.ds.label}: generator `--scale {r.ds.scale} --seed {SEED} --start {START} "
            f"--weeks {r.ds.weeks}`",
            "",
            f"Landing on day N (through {r.ds.new_day - dt.timedelta(days=1)}): {r.base_rows:,} span rows, spans file "
            f"{human_bytes(facts['base']['spans_file_bytes'])}, all files "
            f"{human_bytes(facts['base']['landing_bytes'])}."
            f" Day N+1 ({r.ds.new_day}) adds {r.next_rows - r.base_rows:,} span rows, its CDC versions and the bill of"
            f" {r.ds.new_day - dt.timedelta(days=BILL_LAG_DAYS)} (var run_date: {r.ds.new_day}).",
            "",
            "```",
            *summary_lines(r),
            "```",
            "",
            "| step | wall | CPU | span rows/s (wall) | peak RSS | load average: at start, mean |",
            "|---|---|---|---|---|---|",
        ]
        steps = [
            ("`dbt seed` (not part of (a))", r.seed, None),
            ("(a) `dbt run --full-refresh`", r.full, r.base_rows),
            ("`dbt test --exclude test_type:unit` after (a)", r.full_tests, None),
            *[(f"(c) hand query, run {i} (process)", h, None) for i, h in enumerate(r.hand_runs, 1)],
            (
                "(b) `dbt run`, one more day" + ("" if r.incremental_models else " (full rebuild)"),
                r.incremental,
                r.next_rows,
            ),
            ("`dbt test --exclude test_type:unit` after (b)", r.incremental_tests, None),
            ("(c') hand query on day N+1 (check only)", r.hand_next, None),
        ]
        for name, t, rows_ in steps:
            if t is None:
                continue
            rate = f"{rows_ / t.seconds:,.0f}" if rows_ else ""
            lines.append(
                f"| {name} | {fmt_s(t.seconds)} | {fmt_s(t.cpu_seconds)} | {rate} | {human_bytes(t.peak_rss)} "
                f"| {t.load_before:.1f}, {t.load_mean:.1f} |"
            )
        lines.append(f"| (c) hand query (the query alone) | {fmt_s(q)} | {fmt_s(qcpu)} | {r.base_rows / q:,.0f} | | |")
        for name, t in (("after (a)", r.full_tests), ("after (b)", r.incremental_tests)):
            if t is not None and "run_results" in t.extra:
                statuses = node_summary(t.extra["run_results"])["statuses"]
                lines.append(f"\nData tests {name}: {', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}.")
        lines += [
            "",
            f"(a)/(c) counting the hand query's process start too: {fmt_ratio(x['a_c_process'])}; "
            f"(b + its tests)/(a + its tests): {fmt_ratio(x['b_a_tests'])}. Sum of model execution times in (a): "
            f"{node_summary(r.full.extra['run_results'])['node_seconds']:.1f} s (2 threads: they overlap).",
            "",
            "Slowest models in (a) (`run_results.json` execution time):",
            "",
            "| model | seconds |",
            "|---|---|",
        ]
        lines += [f"| `{name}` | {secs:.1f} |" for name, secs in top_models(r.full)]
        lines.append("")
        if r.profile:
            lines += [
                "The same models re-run one at a time, alone, on the built warehouse (`--profile-models`):",
                "",
                "| model | wall | CPU | rows | most expensive operators (DuckDB profile, operator time) |",
                "|---|---|---|---|---|",
            ]
            for p in r.profile:
                ops = "<br>".join(o.replace("|", "\\|") for o in p["operators"])
                lines.append(
                    f"| `{p['model']}` | {fmt_s(p['seconds'])} | {fmt_s(p['cpu_seconds'])} | {p['rows']:,} | {ops} |"
                )
            lines.append("")
    RESULTS.write_text("\n".join(lines))
    log(f"wrote {RESULTS.relative_to(REPO_ROOT)}")
