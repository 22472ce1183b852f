"""The landing files as they stood at an earlier moment: cut a generated landing directory.

Used by the benchmark (day N, then day N+1 arrives) and by the incremental test (the demo data one day
earlier, then the whole demo). Spans that had ended by the cutoff are kept; CDC versions of tickets,
claims and contracts written before it; bills through ``bills_through`` (the bill lags the traces);
rows whose date cannot be read are kept (they belong to no day, and quarantine must still see them).
Invoices are copied unchanged (the generator issues each month's invoice whatever the window's end).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

from token_ledger.contract import billing_exports

# Which landing CSV column dates a row, and how: the outcome systems' CDC time, and for every billing
# export the bucket column of its registry entry (dbt_project.yml, var billing_exports).
CDC_CUT = {
    "tickets": ("updated_at", "cdc"),
    "claims": ("updated_at", "cdc"),
    "contracts": ("updated_at", "cdc"),
}
BUCKET_CUT = {"unix_seconds": "bill_epoch", "iso8601": "bill_iso"}
CSV_COPY = ["invoices"]


def csv_cut() -> dict[str, tuple[str, str]]:
    """Landing table -> (the column dating a row, how it is written)."""
    exports = {export.name: (export.bucket_column, BUCKET_CUT[export.bucket_format]) for export in billing_exports()}
    return CDC_CUT | exports


def _keep(value: str, how: str, cutoff: dt.datetime, bills_through: dt.date) -> bool:
    text = (value or "").strip()
    try:
        if how == "bill_epoch":
            return dt.datetime.fromtimestamp(int(text), dt.UTC).date() <= bills_through
        moment = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if how == "bill_iso":
        return moment.astimezone(dt.UTC).date() <= bills_through
    return moment < cutoff


def cut_landing(source: Path, target: Path, cutoff: dt.datetime, bills_through: dt.date) -> dict[str, int]:
    """Write to ``target`` the landing files of ``source`` as they stood at ``cutoff`` (aware, UTC);
    returns the row count kept per table (also written to ``target/_cut.json``)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    limit = int(cutoff.timestamp()) * 1_000_000_000
    reader = pq.ParquetFile(source / "otel_spans.parquet")
    writer = pq.ParquetWriter(
        target / "otel_spans.parquet",
        reader.schema_arrow,
        compression="zstd",
        use_dictionary=["name", "status_code", "resource_attributes"],
    )
    kept = 0
    for i in range(reader.num_row_groups):
        table = reader.read_row_group(i)
        table = table.filter(pc.less(table["end_time_unix_nano"], limit))
        kept += table.num_rows
        writer.write_table(table, row_group_size=200_000)
    writer.close()
    counts = {"otel_spans": kept}
    for name, (column, how) in csv_cut().items():
        if not (source / f"{name}.csv").exists():
            continue  # an export the directory has none of (meta.may_be_absent)
        with open(source / f"{name}.csv", newline="", encoding="utf-8") as fin:
            rows = csv.reader(fin)
            header = next(rows)
            index = header.index(column)
            with open(target / f"{name}.csv", "w", newline="", encoding="utf-8") as fout:
                out = csv.writer(fout, lineterminator="\n")
                out.writerow(header)
                n = 0
                for row in rows:
                    if _keep(row[index], how, cutoff, bills_through):
                        out.writerow(row)
                        n += 1
        counts[name] = n
    for name in CSV_COPY:
        shutil.copyfile(source / f"{name}.csv", target / f"{name}.csv")
    (target / "_cut.json").write_text(json.dumps({"cutoff": cutoff.isoformat(), "row_counts": counts}, indent=2))
    return counts
