"""One benchmark run: a frozen project snapshot, then (a), (b) and (c) for each size."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from token_ledger.bench.datasets import DataSet, generate, landing_facts, point_landing
from token_ledger.bench.dbt import Dbt
from token_ledger.bench.hand_query import compare, run_hand_query
from token_ledger.bench.measure import Measured, fmt_s, human_bytes, log, parse_size
from token_ledger.bench.results import SizeResult, git_state, print_summary, write_results
from token_ledger.bench.settings import (
    NON_DBT_TEST_DIRS,
    PROJECT_DIRS,
    PROJECT_FILES,
    QUICK_SIZE,
    REPO_ROOT,
    SPANS_PER_SCALE,
    WEEKS,
)

# ------------------------------------------------------------------------------------------ one size


def prepare_size(ds: DataSet, project: Path, args: argparse.Namespace, engine: str) -> tuple[SizeResult, Dbt]:
    """The data set generated (once for every engine), a fresh warehouse of the engine's, the landing at day N
    (on Spark: loaded into the raw schema, timed apart), dbt parse (untimed) and dbt seed."""
    res = SizeResult(ds, engine=engine)
    generate(ds, args.regenerate)
    res.base_rows = landing_facts(ds.base)["span_rows"]
    res.next_rows = landing_facts(ds.generated)["span_rows"]
    ds.facts = {"base": landing_facts(ds.base), "generated": landing_facts(ds.generated)}
    work = REPO_ROOT / "target" / "bench" / (ds.root.name + ("-spark" if engine == "spark" else ""))
    work.mkdir(parents=True, exist_ok=True)
    dbt = Dbt(project, work, ds.landing, ds.new_day, engine)
    dbt.fresh()

    point_landing(ds, ds.base)
    if engine == "spark":
        res.loads.append(load_day(dbt, ds, "load_day_n", ds.base))
    log(f"{ds.label}: dbt parse (warm-up, untimed) and dbt seed{' on Spark' if engine == 'spark' else ''}")
    check(dbt.run("parse", "parse"), "dbt parse")
    res.seed = check(dbt.run("seed", "seed", "--full-refresh"), "dbt seed")
    return res, dbt


def load_day(dbt: Dbt, ds: DataSet, label: str, landing: Path) -> Measured:
    log(f"{ds.label}: token-ledger load --target spark --landing {landing.name} (timed apart from (a) and (b))")
    measured = check(dbt.load(label, landing), f"token-ledger load --target spark ({label})")
    log(f"{ds.label}: {label} {fmt_s(measured.seconds)}, peak {human_bytes(measured.peak_rss)}")
    return measured


def full_refresh(dbt: Dbt, res: SizeResult) -> Measured:
    label = res.ds.label + (" on Spark" if res.engine == "spark" else "")
    log(f"{label}: (a) dbt run --full-refresh on {res.base_rows:,} span rows (days 1..N)")
    measured = check(dbt.run("a_full_refresh", "run", "--full-refresh"), "(a) dbt run --full-refresh")
    log(f"{label}: (a) {fmt_s(measured.seconds)}, peak {human_bytes(measured.peak_rss)}")
    res.incremental_models = dbt.incremental_models()
    return measured


def one_more_day(dbt: Dbt, res: SizeResult) -> Measured:
    label = res.ds.label + (" on Spark" if res.engine == "spark" else "")
    kind = "incremental" if res.incremental_models else "NO incremental models: a full rebuild"
    log(f"{label}: (b) one more day: dbt run (no --full-refresh) on {res.next_rows:,} span rows ({kind})")
    measured = check(dbt.run("b_incremental", "run"), "(b) dbt run")
    log(f"{label}: (b) {fmt_s(measured.seconds)}, peak {human_bytes(measured.peak_rss)}")
    return measured


def bench_spark_size(ds: DataSet, project: Path, args: argparse.Namespace, duck: SizeResult | None) -> SizeResult:
    """(a) and (b) on Spark (profiles.yml target ``spark``): day N loaded, (a), day N+1 loaded, (b). No (c)
    (the hand query is DuckDB's) and no dbt test; ``duck``, when the same run benched DuckDB on this size, is
    what Spark's (b) is compared with."""
    res, dbt = prepare_size(ds, project, args, "spark")
    res.compared_with = duck
    res.full = full_refresh(dbt, res)
    res.match_full = spark_mart_check(dbt, res, ds.base, "after (a)")
    point_landing(ds, ds.generated)
    res.loads.append(load_day(dbt, ds, "load_day_n_plus_1", ds.generated))
    res.incremental = one_more_day(dbt, res)
    res.match_next = spark_mart_check(dbt, res, ds.generated, "after (b)")
    point_landing(ds, ds.base)
    return res


def spark_mart_check(dbt: Dbt, res: SizeResult, landing: Path, when: str) -> list[str]:
    """Spark's mart against the hand query on the same day's files (DuckDB's query: the same cells, whichever
    engine built the mart), untimed."""
    label = f"{res.ds.label} on Spark"
    log(f"{label}: the hand query on the {landing.name} files, to check Spark's mart {when}")
    mart = dbt.mart()
    _, hand = run_hand_query(f"c_hand_query_spark_{landing.name}", landing, dbt.project / "seeds", dbt.work)
    problems = compare(mart, hand)
    res.cells = len(mart)
    report_match(label, when, problems, len(mart))
    return problems


def bench_size(ds: DataSet, project: Path, args: argparse.Namespace) -> SizeResult:
    res, dbt = prepare_size(ds, project, args, "duckdb")
    seeds = project / "seeds"
    work = dbt.work

    # (c) runs up to three times, spread over the run (before (a), after (a), after (b)), so that a burst
    # of other work on the machine does not decide the ratio; its median is what is quoted
    hand_rows: list[list[dict]] = []

    def hand_query(position: str) -> None:
        n = len(res.hand_runs) + 1
        log(f"{ds.label}: (c) the hand-written query on the day-N files, run {n} ({position})")
        measured, rows = run_hand_query(f"c_hand_query_{n}", ds.base, seeds, work)
        res.hand_runs.append(measured)
        hand_rows.append(rows)
        log(
            f"{ds.label}: (c) {fmt_s(measured.extra['query_seconds'])} query, "
            f"{fmt_s(measured.extra['query_cpu_seconds'])} CPU, peak {human_bytes(measured.peak_rss)}"
        )

    if args.hand_repeats >= 3:
        hand_query("before (a)")

    res.full = full_refresh(dbt, res)
    mart_full = dbt.mart()
    res.cells = len(mart_full)

    if not args.skip_tests:
        log(f"{ds.label}: dbt test (data tests) after (a)")
        res.full_tests = dbt.run("a_tests", "test", "--exclude", "test_type:unit")
        log(f"{ds.label}: tests {fmt_s(res.full_tests.seconds)}, exit {res.full_tests.returncode}")

    hand_query("after (a)")

    point_landing(ds, ds.generated)
    res.incremental = one_more_day(dbt, res)
    mart_next = dbt.mart()
    if not args.skip_tests:
        log(f"{ds.label}: dbt test (data tests) after (b)")
        res.incremental_tests = dbt.run("b_tests", "test", "--exclude", "test_type:unit")
        log(f"{ds.label}: tests {fmt_s(res.incremental_tests.seconds)}, exit {res.incremental_tests.returncode}")
    log(f"{ds.label}: (c') the hand query on the day N+1 files, to check the mart after (b)")
    res.hand_next, hand_next_rows = run_hand_query("c_hand_query_next_day", ds.generated, seeds, work)
    res.match_next = compare(mart_next, hand_next_rows)
    report_match(ds.label, "after (b)", res.match_next, len(mart_next))
    if args.hand_repeats >= 2:
        hand_query("after (b)")
    res.match_full = [p for rows in hand_rows for p in compare(mart_full, rows)]
    report_match(ds.label, "after (a)", res.match_full, len(mart_full))
    point_landing(ds, ds.base)
    if args.profile_models:
        # last, in its own process: diagnosis only, it must not disturb anything measured
        log(f"{ds.label}: profiling the {args.profile_models} slowest table models of (a) one at a time")
        check(dbt.run("a_full_refresh_again", "run", "--full-refresh"), "dbt run (for the profile)")
        out = work / "profile.json"
        cmd = [
            sys.executable,
            "-m",
            "token_ledger.bench.profile",
            str(dbt.warehouse),
            str(dbt.target),
            str(work),
        ]
        cmd += [str(work / "a_full_refresh.run_results.json"), str(args.profile_models), str(out)]
        subprocess.run(cmd, check=True)
        res.profile = json.loads(out.read_text())
    return res


def check(result: Measured, what: str) -> Measured:
    if result.returncode != 0:
        tail = "\n".join(result.log_path.read_text().splitlines()[-40:])
        raise SystemExit(f"{what} failed (exit {result.returncode}), see {result.log_path}:\n{tail}")
    return result


def report_match(label: str, when: str, problems: list[str], cells: int) -> None:
    if problems:
        print(f"\n*** {label}: the hand query DIFFERS from marts.mart_cost_per_outcome {when}:", file=sys.stderr)
        for p in problems[:50]:
            print(f"    {p}", file=sys.stderr)
        if len(problems) > 50:
            print(f"    ... and {len(problems) - 50} more", file=sys.stderr)
    else:
        log(f"{label}: hand query == mart {when}: all {cells} cells (counts exact, money to 1e-6)")


def snapshot(ref: str | None) -> tuple[Path, str]:
    """A frozen copy of the dbt project (the work tree, or a git ref): edits made while the benchmark runs
    (others work in the same tree) cannot change the models between (a) and (b)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "target", "logs")
    with tempfile.TemporaryDirectory() as tmp:
        if ref:
            sha = subprocess.run(
                ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", ref], capture_output=True, text=True, check=True
            ).stdout.strip()
            archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", ref], capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            source, name, state = Path(tmp), f"project-{sha}", f"git {ref} = {sha}"
        else:
            source, name, state = REPO_ROOT, "project-worktree", f"work tree at {git_state()}"
        target = REPO_ROOT / "target" / "bench" / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for f in PROJECT_FILES:
            if (source / f).exists():
                shutil.copy2(source / f, target / f)
        for d in PROJECT_DIRS:
            if (source / d).is_dir():
                shutil.copytree(source / d, target / d, ignore=ignore)
        for d in NON_DBT_TEST_DIRS:
            shutil.rmtree(target / "tests" / d, ignore_errors=True)
    return target, state


def run(args: argparse.Namespace) -> int:
    """``token-ledger bench``: the arguments of token_ledger.cli's bench subcommand."""
    if args.quick:
        args.sizes = QUICK_SIZE
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    project, state = snapshot(args.ref)
    log(f"benchmarking a snapshot of the dbt project ({state}) in {project.relative_to(REPO_ROOT)}")
    engines = args.engine.split(",")
    results: list[SizeResult] = []
    for text in args.sizes.split(","):
        label, spans, weeks = parse_size(text, WEEKS)
        # SPANS_PER_SCALE is per 12-week window: the scale is a daily volume, so a longer history of the
        # same scale has proportionally more spans
        scale = round(spans / (SPANS_PER_SCALE * weeks / WEEKS), 1)
        ds = DataSet(label, spans, scale, REPO_ROOT / "data" / "bench" / f"spans-{label.replace('@', '-')}", weeks)
        duck = None
        if "duckdb" in engines:
            duck = bench_size(ds, project, args)
            results.append(duck)
        if "spark" in engines:
            results.append(bench_spark_size(ds, project, args, duck))
        print_summary(results)
        duckdb_results = [r for r in results if r.engine == "duckdb"]
        if duckdb_results and not args.no_results:  # RESULTS.md is DuckDB's: Spark's figures are printed
            write_results(duckdb_results, state, args, started)
    failed = [r.ds.label for r in results if r.match_full or r.match_next]
    if failed:
        print(f"\nFAILED: the hand query does not match the mart for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
