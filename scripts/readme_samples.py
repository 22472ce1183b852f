"""Write the generated parts of README.md and docs/landing.md, or check that they are current.

- README.md: the sample tables, read from the demo build (``make build``: target/token_ledger.duckdb, or
  DBT_DUCKDB_PATH), between ``<!-- generated: <name> -->`` and ``<!-- /generated: <name> -->``.
- docs/landing.md: one table of columns per landing table, read from the sources YAML (the contract the
  build checks), and the reference seeds, read from seeds/_seeds.yml and the seed files' headers.

    .venv/bin/python scripts/readme_samples.py            # rewrite the generated parts
    .venv/bin/python scripts/readme_samples.py --check    # exit 1, naming each part that differs

tests/pytest/test_readme.py runs the check, so a sample that no longer matches the demo fails the suite.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LANDING_DOC = ROOT / "docs" / "landing.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated: (?P=name) -->)", re.S)


def warehouse() -> Path:
    return Path(os.environ.get("DBT_DUCKDB_PATH") or ROOT / "target" / "token_ledger.duckdb")


# ---- formatting -------------------------------------------------------------------------------------


def cell(value: object, digits: int | None = None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and digits is not None:
        # + 0.0 after rounding: a sum that is zero but for the engine's last bits (-4e-15) reads 0.00, not -0.00
        return f"{round(value, digits) + 0.0:.{digits}f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> list[str]:
    """Columns padded to their widest value: text left-aligned, numbers right-aligned."""
    widths = [max(len(str(v)) for v in [name, *(row[i] for row in rows)]) for i, name in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    return [line(header), *(line(row) for row in rows)]


def fenced(lines: Sequence[str]) -> str:
    return "```\n" + "\n".join(lines) + "\n```\n"


# ---- README samples, from the demo warehouse --------------------------------------------------------

Query = Callable[[str], list[tuple]]


def cost_per_outcome(query: Query) -> list[str]:
    (month,) = query(
        "select completion_month from marts.mart_cost_per_outcome group by 1 order by sum(completed_items) desc,"
        " 1 limit 1"
    )[0]
    rows = query(
        "select work_item_type, team_id, completed_items, ai_cost_usd, cost_per_successful_usd, success_rate,"
        " bpo_unit_price_usd, net_value_usd from marts.mart_cost_per_outcome"
        f" where completion_month = '{month}' order by 1, 2"
    )
    header = ["work_item_type", "team_id", "completed", "ai_cost_usd", "cost_per_successful_usd"]
    header += ["success_rate", "bpo_unit_price_usd", "net_value_usd"]
    body = [
        [r[0], r[1], cell(r[2]), cell(r[3], 2), cell(r[4], 4), cell(r[5], 3), cell(r[6], 2), cell(r[7], 2)]
        for r in rows
    ]
    return [f"mart_cost_per_outcome, {month:%B %Y} (the month with the most completed work)"] + table(
        header, body, [False, False] + [True] * 6
    )


def marginal_utility(query: Query) -> list[str]:
    rows = query(
        "select week_start, spend_usd, value_usd, avg_token_utility, marginal_token_utility, delta_token_utility"
        " from marts.mart_marginal_token_utility where team_id = 'claims-ops' order by week_start desc limit 3"
    )
    header = ["week_start", "spend_usd", "value_usd", "avg_token_utility", "marginal_token_utility"]
    header += ["delta_token_utility"]
    body = [[cell(r[0]), cell(r[1], 2), cell(r[2], 2), cell(r[3], 1), cell(r[4], 1), cell(r[5], 1)] for r in rows[::-1]]
    return ["mart_marginal_token_utility, claims-ops, its last three weeks"] + table(header, body, [False] + [True] * 5)


RECONCILIATION_NOTES = {
    "variance": "(its lines differ from the invoice by the variance)",
    "currency_mismatch": "(invoice in {currency}, lines of {other} in {other_currency})",
    "uninvoiced": "(no invoice covers these lines yet)",
}


def invoice_reconciliation(query: Query) -> list[str]:
    rows = query(
        "select invoice_id, provider, month, variance, status, currency, other_currency, other_currency_amount"
        " from marts.mart_invoice_reconciliation"
        " where status <> 'matched' order by invoice_id is null, invoice_id, provider, month nulls last"
    )
    body = []
    for invoice_id, provider, month, variance, status, currency, other_currency, other_amount in rows:
        other = "several amounts" if other_amount is None else f"{other_amount:.3f}".rstrip("0").rstrip(".")
        note = RECONCILIATION_NOTES[status].format(currency=currency, other=other, other_currency=other_currency)
        if month is None:
            note = "(quarantined money without a readable date)"
        body.append([invoice_id or "(none)", provider, cell(month), cell(variance, 2), status, note])
    header = ["invoice_id", "provider", "month", "variance", "status", ""]
    return ["mart_invoice_reconciliation, the invoices not matched"] + table(
        header, body, [False, False, False, True, False, False]
    )


def spend_ledger(query: Query) -> list[str]:
    rows = query(
        "select category, sum(amount_usd) from marts.fct_spend_ledger where amount_usd is not null"
        " group by 1 order by 2 desc"
    )
    (quarantined,) = query("select count(*) from marts.fct_spend_ledger where category = 'quarantined'")[0]
    ai = [(category, amount) for category, amount in rows if category != "out_of_scope"]
    out_of_scope = sum(amount for category, amount in rows if category == "out_of_scope")
    return [
        "fct_spend_ledger, the whole demo, USD by category",
        " | ".join(f"{category} {amount:.2f}" for category, amount in ai),
        f"AI spend {sum(amount for _, amount in ai):.2f} (and {quarantined} quarantined rows, in their own currency,"
        " no USD)",
        f"out_of_scope {out_of_scope:.2f} (the clouds' other services on the same bills: reconciled, never AI spend)",
    ]


def budget_vs_actual(query: Query) -> list[str]:
    (month, as_of) = query("select max(month), max(as_of_date) from marts.mart_budget_vs_actual")[0]
    rows = query(
        "select team_id, budget_usd, spend_to_date_usd, forecast_month_end_usd, forecast_burn,"
        " days_until_budget_exhausted, projected_exhaustion_date, budget_status from marts.mart_budget_vs_actual"
        f" where month = '{month}' order by budget_usd is null, forecast_burn desc nulls last, team_id"
    )
    header = ["team_id", "budget", "spent", "forecast", "forecast_burn", "days_left", "runs_out", "budget_status"]
    body = [
        [r[0], cell(r[1], 2), cell(r[2], 2), cell(r[3], 2), cell(r[4], 3), cell(r[5], 1), cell(r[6]), r[7]]
        for r in rows
    ]
    return [f"mart_budget_vs_actual, {month:%B %Y}, as of {as_of}"] + table(
        header, body, [False, True, True, True, True, True, False, False]
    )


def allocation_signals(query: Query) -> list[str]:
    rows = query(
        "select workflow_name, month, recommendation, marginal_token_utility, success_rate, retry_spend_share,"
        " routing_excess_share, fully_loaded_cost_to_bpo_ratio from marts.mart_allocation_signals"
        " where workflow_name <> 'unlinked' order by 1, 2"
    )
    header = ["workflow_name", "month", "recommendation", "marginal_utility", "success_rate", "retry_share"]
    header += ["routing_share", "fully_loaded/BPO"]
    body = [
        [r[0], f"{r[1]:%Y-%m}", r[2], cell(r[3], 1), cell(r[4], 3), cell(r[5], 3), cell(r[6], 3), cell(r[7], 2)]
        for r in rows
    ]
    return ["mart_allocation_signals on the demo data"] + table(header, body, [False, False, False] + [True] * 5)


SAMPLES: dict[str, Callable[[Query], list[str]]] = {
    "cost-per-outcome": cost_per_outcome,
    "marginal-utility": marginal_utility,
    "invoice-reconciliation": invoice_reconciliation,
    "spend-ledger": spend_ledger,
    "budget-vs-actual": budget_vs_actual,
    "allocation-signals": allocation_signals,
}


def readme_blocks(database: Path) -> dict[str, str]:
    if not database.exists():
        raise SystemExit(f"no demo warehouse at {database}: run `make build` first")
    with duckdb.connect(str(database), read_only=True) as connection:

        def query(sql: str) -> list[tuple]:
            return connection.execute(sql).fetchall()

        return {name: fenced(sample(query)) for name, sample in SAMPLES.items()}


# ---- docs/landing.md, from the sources YAML and the seeds ------------------------------------------------


def landing_blocks() -> dict[str, str]:
    project_vars = (yaml.safe_load((ROOT / "dbt_project.yml").read_text()) or {}).get("vars") or {}
    lines: list[str] = []
    for path in sorted(ROOT.glob("models/staging/*/_*__sources.yml")):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", []):
            for table_ in source.get("tables", []):
                if (table_.get("meta") or {}).get("landing_directory"):
                    continue  # OTLP files, real-inputs.md
                identifier = str(table_.get("identifier") or table_["name"])
                reference = re.match(r"^\{\{\s*var\('(\w+)'\)\s*\}\}$", identifier)
                identifier = str(project_vars[reference[1]]) if reference else identifier
                description = " ".join(str(table_.get("description", "")).split())
                lines += [f"`{identifier}` (source `{source['name']}.{table_['name']}`): {description}", ""]
                lines += ["| column | type | | meaning |", "|---|---|---|---|"]
                for column in table_.get("columns", []):
                    meta = column.get("meta") or {}
                    kind = "key" if meta.get("required") else "optional" if meta.get("optional") else ""
                    if meta.get("fallback"):
                        kind += (", " if kind else "") + f"or `{meta['fallback']}`"
                    meaning = " ".join(str(column.get("description", "")).split())
                    lines.append(f"| `{column['name']}` | {column.get('data_type', '')} | {kind} | {meaning} |")
                lines.append("")
    seeds_doc = yaml.safe_load((ROOT / "seeds" / "_seeds.yml").read_text()) or {}
    described = {seed["name"]: " ".join(str(seed.get("description", "")).split()) for seed in seeds_doc["seeds"]}
    seed_lines = ["| seed | columns | meaning |", "|---|---|---|"]
    for path in sorted(ROOT.glob("seeds/**/*.csv"), key=lambda p: (p.parent != ROOT / "seeds", str(p))):
        with path.open(newline="") as handle:
            header = next(csv.reader(handle))
        location = path.relative_to(ROOT / "seeds").parent
        name = f"`{path.stem}`" if str(location) == "." else f"`{path.stem}` (seeds/{location}/)"
        seed_lines.append(f"| {name} | {', '.join(header)} | {described.get(path.stem, '')} |")
    return {"landing-tables": "\n".join(lines).rstrip() + "\n", "reference-seeds": "\n".join(seed_lines) + "\n"}


# ---- writing and checking ----------------------------------------------------------------------------------


def apply(text: str, blocks: dict[str, str], where: Path) -> tuple[str, list[str]]:
    """The text with each generated block replaced; the names whose content changed."""
    seen: set[str] = set()
    changed: list[str] = []

    def replace(match: re.Match) -> str:
        name = match["name"]
        if name not in blocks:
            raise SystemExit(f"{where}: unknown generated block {name}")
        seen.add(name)
        if match["body"] != blocks[name]:
            changed.append(name)
        return match.group(1) + blocks[name] + match.group(4)

    updated = BLOCK.sub(replace, text)
    missing = sorted(set(blocks) - seen)
    if missing:
        raise SystemExit(f"{where}: no markers for {', '.join(missing)}")
    return updated, changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated part is not current")
    parser.add_argument("--database", type=Path, default=None, help="the demo warehouse (default: DBT_DUCKDB_PATH)")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for path, blocks in ((README, readme_blocks(args.database or warehouse())), (LANDING_DOC, landing_blocks())):
        text = path.read_text()
        updated, changed = apply(text, blocks, path)
        if args.check:
            stale += [f"{path.relative_to(ROOT)}: {name}" for name in changed]
        elif updated != text:
            path.write_text(updated)
            print(f"{path.relative_to(ROOT)}: rewrote {', '.join(changed)}")
    if stale:
        print("generated parts that differ from the demo build and the contract (run scripts/readme_samples.py):")
        print("\n".join(f"  - {name}" for name in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
