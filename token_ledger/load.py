"""Load a landing directory into a warehouse's raw schema, one table per landing file.

    token-ledger load --landing data/demo                  # PostgreSQL (default)
    token-ledger load --landing /path/to/landing --schema raw
    token-ledger load --landing data/demo --target spark   # local Spark (make test-spark)

Each landing table of the sources YAML (token_ledger.contract: openai_costs, otel_spans, ...) is read
from ``<landing>/<table>.parquet`` (preferred, as on DuckDB) or ``<table>.csv`` and replaces
``<schema>.<table>`` in one transaction, with COPY (never row by row):

- every column is ``text``: staging parses and quarantines, exactly as it does on DuckDB, where CSV
  files are read with all_varchar;
- column names are lower-cased (the FOCUS sources declare mixed-case names such as BilledCost; an
  unquoted identifier folds to lower case on PostgreSQL, so the models read them unchanged);
- a column present only under another spelling (``meta.fallback`` in the sources YAML, e.g. FOCUS
  ProviderName for ServiceProviderName) is loaded under the declared name;
- a CSV file streams to COPY as it is (header row, comma, RFC 4180 quotes); a Parquet file is read
  with pyarrow batch by batch, each column turned into text as DuckDB's cast to VARCHAR spells it
  (so a row's fingerprint is the same on both engines), written as CSV into the COPY stream;
- every row gets where it came from, as DuckDB's landing views give it: ``_landing_file`` (the file
  name) and ``_landing_row`` (its data row, from 1), so a quarantined row is found the same way;
- OTLP JSON trace files in ``<landing>/otlp_traces/`` (read as they are on DuckDB) are flattened into
  ``otel_spans`` rows after the flattened file's own (token_ledger/otlp.py); ``otel_spans`` may then be
  absent.

Connection: the same environment variables as the ``postgres`` target of profiles.yml
(DBT_POSTGRES_HOST, _PORT, _USER, _PASSWORD, _DBNAME, _SSLMODE), or ``--dsn`` without the password (it
comes from DBT_POSTGRES_PASSWORD or the file DBT_POSTGRES_PASSWORD_FILE names, never from the arguments).
On Spark, a local session configured as the ``spark`` target (DBT_SPARK_HOME: warehouse and metastore, default
<project>/target/spark); each table is saved as a Parquet table, every column a string, NULL for an empty
value. A Parquet file of strings, integers and booleans is read by Spark's Parquet reader, each column cast
to string, ``_landing_row`` from ``_metadata.row_index``; any other Parquet file goes through the text
conversion above to a CSV file first. A CSV file is read by Spark's CSV reader (one partition: multiLine is
not split), ``_landing_row`` from monotonically_increasing_id(). No row passes through Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from token_ledger import otlp
from token_ledger.contract import LandingTable, landing_tables
from token_ledger.paths import project_root

PARQUET_BATCH_ROWS = 10_000


def landing_file(landing_dir: Path, identifier: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        candidate = landing_dir / f"{identifier}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def warehouse_columns(table: LandingTable, file_columns: list[str], where: Path) -> list[str]:
    """The raw table's column names, in file order: lower-cased, fallbacks renamed to the declared name."""
    lowered = [name.strip().lower() for name in file_columns]
    duplicates = sorted({name for name in lowered if lowered.count(name) > 1})
    if duplicates:
        raise SystemExit(f"{where}: columns {', '.join(duplicates)} differ only in case")
    renames = {}
    for declared, fallbacks in table.fallbacks.items():
        present = [name for name in fallbacks if name in lowered]
        if declared not in lowered and present:
            renames[present[0]] = declared  # the first spelling present; the others stay as they are
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


class ParquetCsvStream(io.RawIOBase):
    """A file-like CSV stream (header row first) over a Parquet file, read batch by batch."""

    def __init__(self, path: Path, names: list[str]) -> None:
        self._names = names
        self._chunks = self._generate(path)
        self._buffer = b""
        self._offset = 0

    def _generate(self, path: Path) -> Iterator[bytes]:
        parquet = pq.ParquetFile(path)
        first = True
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            text_batch = pa.RecordBatch.from_arrays(
                [column_as_text(batch.column(i)) for i in range(batch.num_columns)], names=self._names
            )
            sink = io.BytesIO()
            pacsv.write_csv(text_batch, sink, write_options=pacsv.WriteOptions(include_header=first))
            first = False
            yield sink.getvalue()
        if first:  # an empty file: the header alone
            yield (",".join(f'"{name}"' for name in self._names) + "\n").encode()

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


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_password() -> str:
    """The password, from DBT_POSTGRES_PASSWORD or the file DBT_POSTGRES_PASSWORD_FILE names: never from the
    command line, where every user of the machine can read it."""
    if os.environ.get("DBT_POSTGRES_PASSWORD"):
        return os.environ["DBT_POSTGRES_PASSWORD"]
    path = os.environ.get("DBT_POSTGRES_PASSWORD_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SystemExit(f"token-ledger load: cannot read DBT_POSTGRES_PASSWORD_FILE ({error.strerror})") from None
    return ""


def connect_postgres(dsn: str | None):
    if dsn:
        if re.search(r"(^|\s)password\s*=|://[^/@\s]*:[^/@\s]*@", dsn):
            raise SystemExit(
                "token-ledger load: --dsn must not carry the password (other users can read process arguments):"
                " set DBT_POSTGRES_PASSWORD or DBT_POSTGRES_PASSWORD_FILE"
            )
    import psycopg2  # the postgres extra (requirements/postgres.lock)

    if dsn:
        return psycopg2.connect(dsn, password=postgres_password())
    return psycopg2.connect(
        host=os.environ.get("DBT_POSTGRES_HOST", "127.0.0.1"),
        port=int(os.environ.get("DBT_POSTGRES_PORT", "55432")),
        user=os.environ.get("DBT_POSTGRES_USER", "token_ledger"),
        password=postgres_password(),
        dbname=os.environ.get("DBT_POSTGRES_DBNAME", "token_ledger"),
        sslmode=os.environ.get("DBT_POSTGRES_SSLMODE", "prefer"),
    )


def _otlp_stream(landing_dir: Path) -> io.BytesIO:
    """The OTLP spans of a landing directory as CSV (header otlp.COLUMNS), for COPY or Spark's reader."""
    sink = io.StringIO()
    writer = csv.DictWriter(sink, fieldnames=otlp.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(otlp.span_rows(landing_dir))
    return io.BytesIO(sink.getvalue().encode("utf-8"))


def _missing_table(table: LandingTable, landing_dir: Path) -> SystemExit:
    return SystemExit(
        f"landing table {table.identifier}: no file {table.identifier}.parquet or {table.identifier}.csv in"
        f" {landing_dir}"
        + (f" (nor OTLP JSON in {landing_dir / table.may_be_absent_with}/)" if table.may_be_absent_with else "")
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
                spans = table.may_be_absent_with == otlp.DIRECTORY and bool(otlp.trace_files(landing_dir))
                if path is None and not spans and not table.may_be_absent:
                    raise _missing_table(table, landing_dir)
                if path is None:  # OTLP spans only, or a provider's export the directory has no file of: empty
                    names = [] if spans else warehouse_columns(table, table.names, landing_dir)
                elif path.suffix == ".parquet":
                    names = warehouse_columns(table, pq.ParquetFile(path).schema_arrow.names, path)
                else:
                    names = warehouse_columns(table, csv_header(path), path)
                extra = [name for name in otlp.COLUMNS if spans and name not in names and name != "_landing_row"]
                target = f"{quote_identifier(schema)}.{quote_identifier(table.identifier)}"
                cursor.execute(f"drop table if exists {target} cascade")
                # the data row, from 1, in file order: COPY inserts the rows in order, one sequence value each
                columns = ["_landing_row bigserial", f"_landing_file text default '{path.name if path else ''}'"]
                columns += [f"{quote_identifier(name)} text" for name in names + extra if name != "_landing_file"]
                cursor.execute(f"create table {target} ({', '.join(columns)})")
                if path is not None:
                    copy = (
                        f"copy {target} ({', '.join(quote_identifier(name) for name in names)})"
                        " from stdin with (format csv, header true, encoding 'UTF8')"
                    )
                    if path.suffix == ".parquet":
                        cursor.copy_expert(copy, ParquetCsvStream(path, names))
                    else:
                        with path.open("rb") as handle:
                            cursor.copy_expert(copy, handle)
                if spans:
                    cursor.copy_expert(
                        f"copy {target} ({', '.join(quote_identifier(name) for name in otlp.COLUMNS)})"
                        " from stdin with (format csv, header true, encoding 'UTF8')",
                        _otlp_stream(landing_dir),
                    )
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
        "spark.driver.memory": os.environ.get("DBT_SPARK_DRIVER_MEMORY", "6g"),
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


def _spark_frame(session, csv_path: Path, names: list[str]):
    """A CSV file (header row) as a DataFrame of strings, columns renamed to ``names``."""
    return session.read.csv(
        str(csv_path),
        header=True,
        inferSchema=False,
        multiLine=True,
        quote='"',
        escape='"',
        encoding="UTF-8",
        mode="FAILFAST",
    ).toDF(*names)


def spark_reads_parquet_directly(schema: pa.Schema) -> bool:
    """Whether Spark's cast to string spells every column as column_as_text does: strings, integers and
    booleans (the same digits and true/false). Timestamps, floats, dates, ... are spelled otherwise by
    Spark (no zone, 1.0E-5): such a file goes through the text conversion to CSV instead."""

    def direct(kind: pa.DataType) -> bool:
        if pa.types.is_dictionary(kind):
            return direct(kind.value_type)
        return any(
            check(kind)
            for check in (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer, pa.types.is_boolean)
        )

    return all(direct(kind) for kind in schema.types)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _spark_parquet_frame(session, path: Path, names: list[str]):
    """A Parquet file read by Spark, as the CSV path gives it: every column a string (an empty string is NULL,
    as Spark's CSV reader reads it), columns renamed to ``names``, after ``_landing_row`` (the row's index
    in the file, ``_metadata.row_index``, from 1) and ``_landing_file``."""
    from pyspark.sql import functions as F

    frame = session.read.parquet(str(path))
    columns = [
        F.nullif(F.col(_quoted(column)).cast("string"), F.lit("")).alias(name)
        for column, name in zip(frame.columns, names, strict=True)
    ]
    return frame.select(
        (F.col("_metadata.row_index") + 1).cast("string").alias("_landing_row"),
        F.lit(path.name).alias("_landing_file"),
        *columns,
    )


def _with_row_numbers(frame, file_name: str):
    """The rows with their data row in the file, from 1, and the file. A CSV read with multiLine is one
    partition (Spark does not split it), read in file order: monotonically_increasing_id() is then the row's
    position, computed on the JVM."""
    from pyspark.sql import functions as F

    partitions = frame.rdd.getNumPartitions()  # planning only: no row leaves the JVM
    if partitions > 1:
        raise SystemExit(f"token-ledger load: {file_name} was read as {partitions} partitions, not in file order")
    return frame.select(
        (F.monotonically_increasing_id() + 1).cast("string").alias("_landing_row"),
        F.lit(file_name).alias("_landing_file"),
        *[F.col(_quoted(name)) for name in frame.columns],
    )


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
            spans = table.may_be_absent_with == otlp.DIRECTORY and bool(otlp.trace_files(landing_dir))
            if path is None and not spans and not table.may_be_absent:
                raise _missing_table(table, landing_dir)
            frame = None
            if path is None and not spans:  # a provider's export the directory has no file of: an empty table
                path = staging / f"{table.identifier}.csv"
                path.write_text(",".join(table.names) + "\n", encoding="utf-8")
            if path is not None and path.suffix == ".parquet":
                parquet_schema = pq.ParquetFile(path).schema_arrow
                names = warehouse_columns(table, parquet_schema.names, path)
                if spark_reads_parquet_directly(parquet_schema):
                    frame = _spark_parquet_frame(session, path, names)
                else:
                    csv_path = staging / f"{table.identifier}.csv"
                    stream = ParquetCsvStream(path, names)
                    with csv_path.open("wb") as handle:
                        while chunk := stream.read(1 << 20):
                            handle.write(chunk)
                    frame = _with_row_numbers(_spark_frame(session, csv_path, names), path.name)
            elif path is not None:
                names = warehouse_columns(table, csv_header(path), path)
                frame = _with_row_numbers(_spark_frame(session, path, names), path.name)
            if spans:
                spans_path = staging / f"{table.identifier}.otlp.csv"
                spans_path.write_bytes(_otlp_stream(landing_dir).getvalue())
                otlp_frame = _spark_frame(session, spans_path, list(otlp.COLUMNS))
                frame = otlp_frame if frame is None else frame.unionByName(otlp_frame, allowMissingColumns=True)
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
        counts = load_spark(landing_dir, args.schema, landing_tables())
    else:
        counts = load_postgres(landing_dir, args.schema, args.dsn, landing_tables())
    for identifier, rows in counts.items():
        print(f"{args.schema}.{identifier}: {rows} rows")
    print(f"loaded {len(counts)} tables from {landing_dir} in {time.monotonic() - started:.1f}s")
    return 0
