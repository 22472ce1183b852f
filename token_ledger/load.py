"""Load a landing directory into a warehouse's raw schema, one table per landing file.

    token-ledger load --landing data/demo                  # PostgreSQL (default)
    token-ledger load --landing /path/to/landing --schema raw
    token-ledger load --landing data/demo --target spark   # local Spark (make test-spark)

Each landing table of the sources YAML (token_ledger.contract: openai_costs, otel_spans, ...) is read
from ``<landing>/<table>.parquet`` (preferred, as on DuckDB) or ``<table>.csv`` and replaces
``<schema>.<table>`` in one transaction, with COPY (never row by row). A source that is a directory of other
files (``meta.landing_directory``: OTLP JSON under ``otlp_traces/``) is not loaded: DuckDB reads it as it
is; flattening it into ``otel_spans`` for a warehouse is not done here yet.

- every column of the file is ``text``: staging parses and quarantines, exactly as it does on DuckDB,
  where CSV files are read with all_varchar;
- ``_landing_row`` (bigint) and ``_landing_file`` come first, as on DuckDB's raw views: the row's number
  in its file (from 1) and the file's name, so quarantine and duplicates name where a row came from;
- column names are lower-cased (the FOCUS sources declare mixed-case names such as BilledCost; an
  unquoted identifier folds to lower case on PostgreSQL, so the models read them unchanged);
- a column present only under its older spelling (``meta.fallback`` in the sources YAML, e.g. FOCUS
  ProviderName for ServiceProviderName) is loaded under the declared name;
- a CSV file is streamed record by record (csv module: header row, comma, RFC 4180 quotes) with the
  location columns in front; a Parquet file is read with pyarrow batch by batch, each column turned into
  text as DuckDB's cast to VARCHAR spells it (so a row's fingerprint is the same on both engines),
  written as CSV into the COPY stream.

Connection: the same environment variables as the ``postgres`` target of profiles.yml
(DBT_POSTGRES_HOST, _PORT, _USER, _PASSWORD, _DBNAME, _SSLMODE), or ``--dsn``. On Spark, a local
session configured as the ``spark`` target (DBT_SPARK_HOME: warehouse and metastore, default
<project>/target/spark); each table goes through the same CSV stream into a staging file, is read with
Spark's CSV reader and saved as a Parquet table, every column a string.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from token_ledger.contract import LandingTable, landing_files
from token_ledger.paths import project_root

PARQUET_BATCH_ROWS = 10_000
# Where each row is in the landing, as DuckDB's raw views carry it (register_landing_tables): the file,
# relative to the landing directory, and the data row from 1.
LOCATION_COLUMNS = ("_landing_row", "_landing_file")
LOCATION_TYPES = {"_landing_row": "bigint"}  # as on DuckDB; every other raw column is text


def landing_file(landing_dir: Path, identifier: str) -> Path:
    """``<table>.parquet`` (preferred, as on DuckDB) or ``<table>.csv``; stops the load when neither exists."""
    for suffix in (".parquet", ".csv"):
        candidate = landing_dir / f"{identifier}{suffix}"
        if candidate.is_file():
            return candidate
    raise SystemExit(f"landing table {identifier}: no file {identifier}.parquet or {identifier}.csv in {landing_dir}")


def warehouse_columns(table: LandingTable, file_columns: list[str], where: Path) -> list[str]:
    """The raw table's column names, in file order: lower-cased, the first fallback present renamed to the
    declared name when the declared one is absent."""
    lowered = [name.strip().lower() for name in file_columns]
    duplicates = sorted({name for name in lowered if lowered.count(name) > 1})
    if duplicates:
        raise SystemExit(f"{where}: columns {', '.join(duplicates)} differ only in case")
    renames = {}
    for declared, fallbacks in table.fallbacks.items():
        present = [fallback for fallback in fallbacks if fallback in lowered]
        if declared not in lowered and present:
            renames[present[0]] = declared  # the first spelling present; staging reads the others too
    return [renames.get(name, name) for name in lowered]


# ---------------------------------------------------------------------------------------------
# Parquet → text, spelled as DuckDB casts each type to VARCHAR


def _format_timestamp(value: dt.datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    if value.tzinfo is not None:
        offset = value.utcoffset() or dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        text += f"{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")
    return text


def _python_to_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return str(value)


def column_as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A Parquet column as text: strings as they are, integers and booleans by Arrow's cast (the same
    digits and true/false as DuckDB), anything else value by value."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_timestamp(kind):
        # UTC instants keep their zone (DuckDB prints +00); naive ones print without.
        kind_tz = kind.tz
        values = column.to_pylist()
        if kind_tz is not None:
            values = [value.astimezone(dt.UTC) if value is not None else None for value in values]
        return pa.array([_python_to_text(value) for value in values], type=pa.string())
    if pa.types.is_dictionary(kind):
        return column_as_text(pc.cast(column, kind.value_type))
    return pa.array([_python_to_text(value) for value in column.to_pylist()], type=pa.string())


def parquet_csv_chunks(path: Path, names: list[str], located: str | None = None) -> Iterator[bytes]:
    """A Parquet file as CSV (header row first), batch by batch; ``located``: the two location columns first."""
    parquet = pq.ParquetFile(path)
    header = [*LOCATION_COLUMNS, *names] if located else names
    first, row = True, 1
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        arrays = [column_as_text(batch.column(i)) for i in range(batch.num_columns)]
        if located:
            numbers = pa.array([str(n) for n in range(row, row + batch.num_rows)], type=pa.string())
            arrays = [numbers, pa.array([located] * batch.num_rows, type=pa.string()), *arrays]
            row += batch.num_rows
        sink = io.BytesIO()
        text_batch = pa.RecordBatch.from_arrays(arrays, names=header)
        pacsv.write_csv(text_batch, sink, write_options=pacsv.WriteOptions(include_header=first))
        first = False
        yield sink.getvalue()
    if first:  # an empty file: the header alone
        yield (",".join(f'"{name}"' for name in header) + "\n").encode()


def csv_csv_chunks(path: Path, names: list[str], located: str) -> Iterator[bytes]:
    """A landing CSV again, its header replaced by ``names`` and the two location columns first (the row
    is the record's number in file order, from 1, as DuckDB's raw view numbers it)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        sink = io.StringIO()
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow([*LOCATION_COLUMNS, *names])
        for number, record in enumerate(reader, start=1):
            writer.writerow([number, located, *record])
            if sink.tell() > 1 << 20:
                yield sink.getvalue().encode()
                sink.seek(0)
                sink.truncate()
        yield sink.getvalue().encode()


class ChunkStream(io.RawIOBase):
    """A file-like stream over byte chunks (COPY and Spark's staging read it like a file)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative), without copying the rest of a chunk."""
        parts: list[bytes] = []
        wanted = size
        while wanted != 0:
            if self._offset >= len(self._buffer):
                try:
                    self._buffer, self._offset = next(self._chunks), 0
                except StopIteration:
                    break
            end = len(self._buffer) if wanted < 0 else min(len(self._buffer), self._offset + wanted)
            parts.append(self._buffer[self._offset : end])
            if wanted > 0:
                wanted -= end - self._offset
            self._offset = end
        return b"".join(parts)


class ParquetCsvStream(ChunkStream):
    """A file-like CSV stream (header row first) over a Parquet file, read batch by batch."""

    def __init__(self, path: Path, names: list[str], located: str | None = None) -> None:
        super().__init__(parquet_csv_chunks(path, names, located))


def located_stream(path: Path, names: list[str]) -> ChunkStream:
    """The landing file as CSV with where each row is in it (LOCATION_COLUMNS first), whatever its format."""
    if path.suffix == ".parquet":
        return ParquetCsvStream(path, names, path.name)
    return ChunkStream(csv_csv_chunks(path, names, path.name))


def file_columns(path: Path) -> list[str]:
    return pq.ParquetFile(path).schema_arrow.names if path.suffix == ".parquet" else csv_header(path)


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect_postgres(dsn: str | None):
    import psycopg2  # the postgres extra (requirements/postgres.lock)

    if dsn:
        return psycopg2.connect(dsn)
    return psycopg2.connect(
        host=os.environ.get("DBT_POSTGRES_HOST", "127.0.0.1"),
        port=int(os.environ.get("DBT_POSTGRES_PORT", "55432")),
        user=os.environ.get("DBT_POSTGRES_USER", "token_ledger"),
        password=os.environ.get("DBT_POSTGRES_PASSWORD", ""),
        dbname=os.environ.get("DBT_POSTGRES_DBNAME", "token_ledger"),
        sslmode=os.environ.get("DBT_POSTGRES_SSLMODE", "prefer"),
    )


def load_postgres(landing_dir: Path, schema: str, dsn: str | None, tables: list[LandingTable]) -> dict[str, int]:
    """Replace <schema>.<table> for every landing table, in one transaction; returns rows per table."""
    connection = connect_postgres(dsn)
    counts: dict[str, int] = {}
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {quote_identifier(schema)}")
            for table in tables:
                path = landing_file(landing_dir, table.identifier)
                names = [*LOCATION_COLUMNS, *warehouse_columns(table, file_columns(path), path)]
                target = f"{quote_identifier(schema)}.{quote_identifier(table.identifier)}"
                cursor.execute(f"drop table if exists {target} cascade")
                typed = [f"{quote_identifier(name)} {LOCATION_TYPES.get(name, 'text')}" for name in names]
                cursor.execute(f"create table {target} ({', '.join(typed)})")
                copy = (
                    f"copy {target} ({', '.join(quote_identifier(name) for name in names)})"
                    " from stdin with (format csv, header true, encoding 'UTF8')"
                )
                cursor.copy_expert(copy, located_stream(path, names[len(LOCATION_COLUMNS) :]))
                cursor.execute(f"analyze {target}")
                cursor.execute(f"select count(*) from {target}")
                counts[table.identifier] = cursor.fetchone()[0]
    finally:
        connection.close()
    return counts


# ---------------------------------------------------------------------------------------------
# Spark (local, as the `spark` target of profiles.yml)


def spark_home() -> Path:
    project_dir = Path(os.environ.get("DBT_PROJECT_DIR") or project_root())
    return Path(os.environ.get("DBT_SPARK_HOME", project_dir / "target" / "spark"))


def spark_conf() -> dict[str, str]:
    """The server_side_parameters of the `spark` target, from the same variables and defaults."""
    home = spark_home()
    return {
        "spark.master": os.environ.get("DBT_SPARK_MASTER", "local[2]"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get("DBT_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.driver.memory": os.environ.get("DBT_SPARK_DRIVER_MEMORY", "2g"),
        "spark.ui.enabled": "false",
        "spark.sql.warehouse.dir": f"{home}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
        "spark.sql.ansi.enabled": "false",  # dbt-spark sets it too
    }


def spark_session():
    from pyspark.sql import SparkSession  # the spark extra (requirements/spark.lock)

    spark_home().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("token_ledger").enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def load_spark(landing_dir: Path, schema: str, tables: list[LandingTable]) -> dict[str, int]:
    """Replace <schema>.<table> for every landing table; returns rows per table."""
    session = spark_session()
    staging = spark_home() / "landing-csv"
    staging.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    try:
        session.sql(f"create database if not exists `{schema}`")
        for table in tables:
            path = landing_file(landing_dir, table.identifier)
            names = [*LOCATION_COLUMNS, *warehouse_columns(table, file_columns(path), path)]
            csv_path = staging / f"{table.identifier}.csv"
            stream = located_stream(path, names[len(LOCATION_COLUMNS) :])
            with csv_path.open("wb") as handle:
                while chunk := stream.read(1 << 20):
                    handle.write(chunk)
            frame = session.read.csv(
                str(csv_path),
                header=True,
                inferSchema=False,
                multiLine=True,
                quote='"',
                escape='"',
                encoding="UTF-8",
                mode="FAILFAST",
            ).toDF(*names)
            frame = frame.withColumn("_landing_row", frame["_landing_row"].cast(LOCATION_TYPES["_landing_row"]))
            target = f"`{schema}`.`{table.identifier}`"
            session.sql(f"drop table if exists {target}")
            frame.write.mode("overwrite").format("parquet").saveAsTable(target)
            counts[table.identifier] = session.table(target).count()
    finally:
        session.stop()
    return counts


def run(args) -> int:
    """``token-ledger load``: args.landing, args.schema, args.target (postgres|spark), args.dsn."""
    landing_dir = args.landing.resolve()
    if not landing_dir.is_dir():
        raise SystemExit(f"token-ledger load: {landing_dir} is not a directory")
    started = time.monotonic()
    if args.target == "spark":
        counts = load_spark(landing_dir, args.schema, landing_files())
    else:
        counts = load_postgres(landing_dir, args.schema, args.dsn, landing_files())
    for identifier, rows in counts.items():
        print(f"{args.schema}.{identifier}: {rows} rows")
    print(f"loaded {len(counts)} tables from {landing_dir} in {time.monotonic() - started:.1f}s")
    return 0
