"""``token-ledger``: one command for the Python side of the project.

    token-ledger generate --out DIR [--seed 42] [--scale 1]        demo landing data
    token-ledger load --landing DIR [--target postgres|spark]      landing files -> a warehouse's raw schema
    token-ledger report [--database FILE] [--out FILE]             the CFO report (one HTML file)
    token-ledger bench [--quick] [--sizes 1m,10m,10m@120w] [--engine duckdb,spark]  the benchmark (benchmarks/README.md)
    token-ledger extract openai|anthropic --since D --out DIR      provider Admin APIs -> landing files

The arguments are declared here; each subcommand's work is imported only when it runs, so
``token-ledger extract`` never loads plotly, dbt or pyarrow.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from pathlib import Path

# subcommand -> module whose run(args) does the work
COMMANDS = {
    "generate": "token_ledger.generate",
    "load": "token_ledger.load",
    "report": "token_ledger.report",
    "bench": "token_ledger.bench",
    "extract": "token_ledger.extract",
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def _engines(text: str) -> str:
    """--engine of bench: duckdb, spark or both (comma-separated), in the order they run."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - {"duckdb", "spark"})
    if not names or unknown or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"not duckdb, spark or duckdb,spark: {text!r}")
    return ",".join(name for name in ("duckdb", "spark") if name in names)


def _add_generate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("generate", help="write the deterministic demo landing data")
    parser.add_argument("--out", required=True, help="directory to write the landing files to")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="volume multiplier: 1 is about 30k spans, 300 about 10M"
    )
    parser.add_argument("--start", default="2026-08-03", help="first day (UTC), YYYY-MM-DD")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--spans-format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--row-group-size", type=int, default=200_000, help=argparse.SUPPRESS)


def _add_load(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("load", help="load a landing directory into a warehouse's raw schema")
    parser.add_argument("--landing", required=True, type=Path, help="directory of <table>.csv / <table>.parquet")
    parser.add_argument("--schema", default=os.environ.get("TOKEN_LEDGER_RAW_SCHEMA", "raw"))
    parser.add_argument("--target", choices=["postgres", "spark"], default="postgres")
    parser.add_argument(
        "--dsn",
        default=None,
        help="libpq connection string without the password (default: DBT_POSTGRES_* variables); the password"
        " comes from DBT_POSTGRES_PASSWORD or DBT_POSTGRES_PASSWORD_FILE",
    )


def _add_report(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="write the CFO report from the DuckDB warehouse")
    parser.add_argument(
        "--database", type=Path, default=None, help="the DuckDB warehouse (default: $DBT_DUCKDB_PATH or target/)"
    )
    parser.add_argument("--out", type=Path, default=None, help="the HTML file to write (default: target/report/)")


def _add_bench(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="benchmark the project against the engine's lower bound")
    parser.add_argument(
        "--sizes",
        default="1m,10m,10m@120w",
        help="comma-separated span counts, e.g. 1m,10m; 10m@120w spreads them over 120 weeks instead of 12 "
        "(the daily volume of 1m over ten times the history)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: one size of 100k spans")
    parser.add_argument(
        "--engine",
        type=_engines,
        default="duckdb",
        help="duckdb (default), spark, or duckdb,spark: on Spark, (a) and (b) after token-ledger load --target "
        "spark of day N and of day N+1 (timed apart), under target/bench/spans-<size>-spark; printed, not written "
        "to RESULTS.md",
    )
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data sets even if present")
    parser.add_argument("--skip-tests", action="store_true", help="do not time dbt test")
    parser.add_argument("--ref", help="benchmark this git ref (e.g. HEAD) instead of the work tree")
    parser.add_argument("--no-results", action="store_true", help="do not write benchmarks/RESULTS.md")
    parser.add_argument(
        "--profile-models",
        type=int,
        default=0,
        metavar="N",
        help="at the end of each size, rebuild day N and re-run the N slowest table models of (a) one at a "
        "time, profiled (diagnosis only: it adds one more full build)",
    )
    parser.add_argument(
        "--hand-repeats",
        type=int,
        choices=[1, 2, 3],
        default=3,
        help="runs of (c), spread over the run (before (a), after (a), after (b)); the median is quoted",
    )


def _add_extract(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "extract",
        help="pull cost and usage from a provider's Admin API into landing files",
        description="Keys come from OPENAI_ADMIN_KEY / ANTHROPIC_ADMIN_KEY only; the API base from "
        "OPENAI_BASE_URL (with /v1) / ANTHROPIC_BASE_URL (without /v1).",
    )
    providers = parser.add_subparsers(dest="provider", required=True, metavar="openai|anthropic")
    for name in ("openai", "anthropic"):
        p = providers.add_parser(name, help=f"the {name} Admin cost and usage APIs")
        p.add_argument("--out", required=True, type=Path, help="landing directory (one file per table, merged)")
        p.add_argument(
            "--since", type=_date, help="first day (UTC) to pull, YYYY-MM-DD (default: where the last pull ended)"
        )
        p.add_argument("--until", type=_date, help="last day (UTC) to pull, inclusive (default: today)")
        p.add_argument("--organization-id", help="the organization id every row carries (default: from the API)")
        p.add_argument(
            "--repull-days",
            type=int,
            default=3,
            help="days before where the last pull ended that are pulled again, as bills settle (default 3)",
        )
        p.add_argument(
            "--with-empty-tables",
            action="store_true",
            help="also write a header-only file for every other landing table OUT has none of (bills alone)",
        )
        p.add_argument("--no-progress", action="store_true", help="no progress bar (off anyway when not a TTY)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="token-ledger", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="|".join(COMMANDS))
    _add_generate(sub)
    _add_load(sub)
    _add_report(sub)
    _add_bench(sub)
    _add_extract(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "generate" and (args.weeks < 1 or args.scale <= 0):
        parser.error("--weeks must be >= 1 and --scale > 0")
    module = importlib.import_module(COMMANDS[args.command])
    return module.run(args)


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
