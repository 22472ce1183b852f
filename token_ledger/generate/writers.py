"""Output sinks: landing CSVs and the spans file (Parquet row groups or CSV), with the contract's columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from token_ledger.contract import landing_table, landing_tables

SPANS_TABLE = "otel_spans"
# The generator writes every landing table of the contract (a table its story does not fill gets its header).
GENERATED_TABLES = tuple(table.identifier for table in landing_tables())
CSV_TABLES = tuple(table for table in GENERATED_TABLES if table != SPANS_TABLE)


def landing_columns(table: str) -> list[str]:
    """The columns the generator writes for a table: every column of the contract that a landing file
    must have (declared in the sources YAML, not optional), in the declared order."""
    return landing_table(table).core_names


class CsvSink:
    """One landing CSV: header row, comma, RFC 4180 quoting (csv module), row counting."""

    def __init__(self, path: Path, columns: list[str]):
        # Held open across many writes and closed by close(): no context manager by design.
        self.fh = open(path, "w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(columns)
        self.width = len(columns)
        self.rows = 0

    def write(self, row) -> None:
        assert len(row) == self.width
        self.writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self.fh.close()


def span_schema() -> pa.Schema:
    """The spans file's Arrow schema: the contract's otel_spans columns, integers as int64."""
    table = landing_table(SPANS_TABLE)
    return pa.schema(
        [(c.name, pa.int64() if c.data_type == "integer" else pa.string()) for c in table.columns if not c.optional]
    )


class SpanSink:
    """Spans go out in fixed-size Parquet row groups (or CSV) so memory stays bounded."""

    def __init__(self, out_dir: Path, fmt: str, row_group_size: int):
        self.fmt = fmt
        self.row_group_size = row_group_size
        self.pending: list[pa.Table] = []  # Arrow tables not yet written as a row group
        self.pending_rows = 0
        self.rows = 0
        self.schema = span_schema()
        if fmt == "parquet":
            self.path = out_dir / "otel_spans.parquet"
            self.writer = pq.ParquetWriter(
                self.path,
                self.schema,
                compression="zstd",
                use_dictionary=["name", "status_code", "resource_attributes"],
            )
        else:
            self.path = out_dir / "otel_spans.csv"
            self.csv = CsvSink(self.path, landing_columns(SPANS_TABLE))

    def write_many(self, rows: list[tuple]) -> None:
        """Take one day of rows; convert to Arrow at once (compact), write full row groups."""
        self.rows += len(rows)
        if self.fmt == "csv":
            for row in rows:
                self.csv.write(row)
            return
        columns = list(zip(*rows)) if rows else [[] for _ in self.schema]
        self.pending.append(
            pa.Table.from_arrays(
                [pa.array(col, type=f.type) for col, f in zip(columns, self.schema)],
                schema=self.schema,
            )
        )
        self.pending_rows += len(rows)
        if self.pending_rows >= self.row_group_size:
            table = pa.concat_tables(self.pending)
            full = self.pending_rows // self.row_group_size * self.row_group_size
            self.writer.write_table(table.slice(0, full), row_group_size=self.row_group_size)
            rest = table.slice(full)
            self.pending = [rest.combine_chunks()] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def close(self) -> None:
        if self.fmt == "csv":
            self.csv.close()
            return
        if self.pending_rows:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.row_group_size)
        self.pending = []
        self.writer.close()
