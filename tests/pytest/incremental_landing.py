"""Day N and day N+1 of the demo landing, for the incremental-equals-full-refresh tests (DuckDB, PostgreSQL).

The whole demo gets a CDC version written on its last day for a ticket last updated weeks before (an old
work item reopened); day N is the same files cut at the end of the next-to-last day
(``token_ledger/landing_cut.py``: spans that had ended, CDC versions written, bills through two days
before), less one model call of a trace two days before the cut (a late span). So the next day brings
every kind of late data: a late span, a late bill and a CDC update of an old item.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from token_ledger import landing_cut


@dataclass
class NextDay:
    whole: Path  # the landing after day N+1 arrived
    day_n: Path  # the landing at the end of day N
    cutoff: dt.datetime
    cut_counts: dict
    late_span: str
    reopened: str
    late_bill_day: dt.date


def next_day_landing(demo_dir: Path, window: dict[str, str], root: Path) -> NextDay:
    last_day = dt.date.fromisoformat(window["end"])
    billed_through = dt.date.fromisoformat(window["billed_through"])
    cutoff = dt.datetime(last_day.year, last_day.month, last_day.day, tzinfo=dt.UTC)
    whole = root / "landing_whole"
    shutil.copytree(demo_dir, whole)
    reopened = _reopen_an_old_ticket(whole / "tickets.csv", last_day)
    day_n = root / "landing_day_n"
    counts = landing_cut.cut_landing(whole, day_n, cutoff, billed_through - dt.timedelta(days=1))
    late_span = _hold_back_a_span(day_n / "otel_spans.parquet", last_day - dt.timedelta(days=2))
    return NextDay(whole, day_n, cutoff, counts, late_span, reopened, billed_through)


def arrive(delivered: Path, landing: Path) -> Path:
    """The landing directory `landing` now holds what `delivered` holds: the next day's files arrive in
    the same raw_dir (the warehouse remembers its raw_dir and stops on another one without --full-refresh)."""
    if landing.exists():
        shutil.rmtree(landing)
    shutil.copytree(delivered, landing)
    return landing


def _reopen_an_old_ticket(tickets_file: Path, day: dt.date) -> str:
    """A CDC update of an old work item: a ticket whose versions all predate the window by weeks is
    reopened on `day` (a new version appended, as the helpdesk's change feed would write it)."""
    with tickets_file.open(newline="") as f:
        rows = list(csv.DictReader(f))
    columns = list(rows[0])
    last_update: dict[str, str] = {}
    for row in rows:
        last_update[row["ticket_id"]] = max(last_update.get(row["ticket_id"], ""), row["updated_at"])
    old = sorted(t for t, u in last_update.items() if u.startswith("2026-08-1") and t.isdigit())[0]
    current = max((r for r in rows if r["ticket_id"] == old), key=lambda r: r["updated_at"])
    version = {
        **current,
        "updated_at": f"{day.isoformat()}T10:00:00Z",
        "solved_at": "",
        "status": "open",
        "reopens": str(int(current["reopens"]) + 1),
    }
    with tickets_file.open("a", newline="") as f:
        csv.DictWriter(f, fieldnames=columns, lineterminator="\n").writerow(version)
    return old


def _hold_back_a_span(spans_file: Path, day: dt.date) -> str:
    """A late span: one model call of a trace that started on `day` (inside the window) is left out of the
    day-N landing, as an exporter that retried its batch would deliver it, and arrives with day N+1."""
    import duckdb

    with duckdb.connect() as con:
        span_id = con.execute(
            f"""
            select span_id from read_parquet('{spans_file}')
            where parent_span_id is not null and attributes like '%gen_ai.usage.input_tokens%'
                and cast(to_timestamp(start_time_unix_nano / 1e9) as date) = ?
            order by span_id limit 1
            """,
            [day],
        ).fetchall()[0][0]
        kept = spans_file.with_suffix(".kept.parquet")
        con.execute(
            f"copy (select * from read_parquet('{spans_file}') where span_id <> ?) to '{kept}' (format parquet)",
            [span_id],
        )
    kept.replace(spans_file)
    return span_id
