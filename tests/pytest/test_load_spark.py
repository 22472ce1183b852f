"""``token-ledger load --target spark`` (token_ledger/load.py): which Parquet files Spark reads directly, and,
when PySpark and Java are installed (the spark extra, ``make test-spark``), that the tables it writes are
what the CSV conversion gives: every column a string, NULL for an empty value, ``_landing_row`` the data
row in the file from 1 in file order, ``_landing_file`` the file name."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from harness import patched_environ

from token_ledger import load as load_warehouse
from token_ledger.contract import Column, LandingTable


def test_parquet_of_strings_integers_and_booleans_is_read_directly():
    direct = pa.schema(
        [
            ("a", pa.string()),
            ("b", pa.large_string()),
            ("c", pa.int64()),
            ("d", pa.int32()),
            ("e", pa.bool_()),
            ("f", pa.dictionary(pa.int32(), pa.string())),
        ]
    )
    assert load_warehouse.spark_reads_parquet_directly(direct)
    # Spark spells these otherwise than DuckDB's cast to VARCHAR: through the text conversion
    for kind in (pa.timestamp("us", tz="UTC"), pa.float64(), pa.date32(), pa.decimal128(10, 2)):
        assert not load_warehouse.spark_reads_parquet_directly(pa.schema([("a", pa.string()), ("x", kind)]))


TEXTS = ["x", "", None, 'q"uo,te\nnew line', "crlf\r\nend", " padded ", "é ü ∑", "back\\slash", '"', "a,b"]


def _rows(table: pa.Table, names: list[str], file_name: str) -> list[tuple]:
    """What the loader must write for ``table``: its values as column_as_text spells them, '' as NULL."""
    columns = [load_warehouse.column_as_text(table.column(i)).to_pylist() for i in range(table.num_columns)]
    return [
        (str(row + 1), file_name, *[value or None for value in values])
        for row, values in enumerate(zip(*columns, strict=True))
    ]


@pytest.fixture(scope="module")
def spark_load(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java: Spark cannot start")
    home = tmp_path_factory.mktemp("spark-home")
    landing = tmp_path_factory.mktemp("spark-landing")
    count = 2000
    direct = pa.table(
        {
            "Trace_ID": pa.array([TEXTS[i % len(TEXTS)] for i in range(count)]),
            "n": pa.array([None if i % 7 == 0 else i * 1_000_003 - 5 for i in range(count)], pa.int64()),
            "flag": pa.array([None if i % 5 == 0 else i % 2 == 0 for i in range(count)]),
        }
    )
    # several row groups: Spark may read them as several partitions, the row numbers stay the file's
    pq.write_table(direct, landing / "direct.parquet", row_group_size=300)
    converted = pa.table(
        {
            "at": pa.array([dt.datetime(2026, 8, 4, 1, 2, 3, i, tzinfo=dt.UTC) for i in range(50)]),
            "cost": pa.array([i / 3 for i in range(50)]),
        }
    )
    pq.write_table(converted, landing / "converted.parquet")
    (landing / "plain.csv").write_text('a,b\n1,"two\nlines"\n,""\n3,x\n', encoding="utf-8")
    tables = [
        LandingTable("direct", (Column("trace_id"), Column("n"), Column("flag"))),
        LandingTable("converted", (Column("at"), Column("cost"))),
        LandingTable("plain", (Column("a"), Column("b"))),
    ]
    with patched_environ({"DBT_SPARK_HOME": str(home)}):
        counts = load_warehouse.load_spark(landing, "raw", tables)
        session = load_warehouse.spark_session()
        try:
            written = {}
            for table in tables:
                frame = session.table(f"raw.{table.identifier}")
                rows = sorted((tuple(row) for row in frame.collect()), key=lambda row: int(row[0]))
                written[table.identifier] = (frame.columns, [f.dataType.typeName() for f in frame.schema.fields], rows)
        finally:
            session.stop()
    return {"counts": counts, "written": written, "direct": direct, "converted": converted, "home": Path(home)}


def test_spark_reads_parquet_as_the_text_conversion_gives_it(spark_load):
    columns, kinds, rows = spark_load["written"]["direct"]
    assert spark_load["counts"]["direct"] == 2000
    assert columns == ["_landing_row", "_landing_file", "trace_id", "n", "flag"]
    assert set(kinds) == {"string"}
    assert rows == _rows(spark_load["direct"], columns[2:], "direct.parquet")
    # read by Spark's Parquet reader: no CSV written for it
    assert not (spark_load["home"] / "landing-csv" / "direct.csv").exists()


def test_other_parquet_types_go_through_the_text_conversion(spark_load):
    columns, kinds, rows = spark_load["written"]["converted"]
    assert columns == ["_landing_row", "_landing_file", "at", "cost"]
    assert set(kinds) == {"string"}
    assert rows == _rows(spark_load["converted"], columns[2:], "converted.parquet")
    assert rows[1][2:] == ("2026-08-04 01:02:03.000001+00", "0.3333333333333333")


def test_csv_rows_are_numbered_in_file_order(spark_load):
    columns, _, rows = spark_load["written"]["plain"]
    assert columns == ["_landing_row", "_landing_file", "a", "b"]
    assert rows == [
        ("1", "plain.csv", "1", "two\nlines"),
        ("2", "plain.csv", None, None),
        ("3", "plain.csv", "3", "x"),
    ]
