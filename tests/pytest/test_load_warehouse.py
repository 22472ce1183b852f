"""``token-ledger load`` (token_ledger/load.py) without a warehouse: which tables and columns it loads, and the text it
writes for Parquet values (it must be what DuckDB's cast to VARCHAR gives, so that a landing row has
the same fingerprint, and parses to the same value, on every engine)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from token_ledger import load as load_warehouse
from token_ledger.contract import Column, LandingTable, landing_tables


def test_every_landing_table_is_declared_once():
    tables = {table.identifier: table for table in landing_tables()}
    assert set(tables) >= {
        "openai_costs",
        "openai_usage",
        "anthropic_costs",
        "anthropic_usage",
        "focus_charges",
        "invoices",
        "otel_spans",
        "tickets",
        "claims",
        "contracts",
    }
    focus = tables["focus_charges"]
    assert "BilledCost" in focus.names  # declared with its case
    assert focus.fallbacks == {"serviceprovidername": "providername"}  # the loader's lower-cased names


def test_columns_are_lower_cased_and_fallbacks_renamed():
    focus = next(table for table in landing_tables() if table.identifier == "focus_charges")
    names = load_warehouse.warehouse_columns(focus, ["BillingAccountId", "ProviderName", "Extra"], Path("x.csv"))
    assert names == ["billingaccountid", "serviceprovidername", "extra"]
    # the new spelling wins when a file has both
    names = load_warehouse.warehouse_columns(focus, ["ProviderName", "ServiceProviderName"], Path("x.csv"))
    assert names == ["providername", "serviceprovidername"]


def test_columns_differing_only_in_case_are_refused():
    table = LandingTable("t", (Column("a"),))
    with pytest.raises(SystemExit, match="differ only in case"):
        load_warehouse.warehouse_columns(table, ["A", "a"], Path("t.csv"))


def test_parquet_values_are_spelled_as_duckdb_casts_them(tmp_path):
    utc = dt.UTC
    table = pa.table(
        {
            "text": pa.array(["a", "", None, 'say "hi",\nbye']),
            "count": pa.array([1785729794000000000, -3, None, 0], type=pa.int64()),
            "small": pa.array([1, 2, None, 4], type=pa.int16()),
            "flag": pa.array([True, False, None, True]),
            "amount": pa.array([0.1, 1e20, None, -2.5]),
            "day": pa.array([dt.date(2026, 8, 3), None, dt.date(1999, 12, 31), dt.date(2026, 2, 28)]),
            "naive": pa.array(
                [
                    dt.datetime(2026, 8, 3, 10, 0),
                    dt.datetime(2026, 8, 3, 10, 0, 0, 500000),
                    None,
                    dt.datetime(2026, 1, 1),
                ],
                type=pa.timestamp("us"),
            ),
            "aware": pa.array(
                [
                    dt.datetime(2026, 8, 3, 10, 0, tzinfo=utc),
                    None,
                    dt.datetime(2026, 8, 3, 23, 59, 59, 123456, tzinfo=utc),
                    None,
                ],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "money": pa.array(
                [decimal.Decimal("12.50"), None, decimal.Decimal("-0.01"), decimal.Decimal("3")],
                type=pa.decimal128(10, 2),
            ),
        }
    )
    path = tmp_path / "sample.parquet"
    pq.write_table(table, path)

    stream = load_warehouse.ParquetCsvStream(path, table.column_names)
    chunks = []
    while chunk := stream.read(7):  # tiny reads: chunk boundaries must not matter
        chunks.append(chunk)
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode(), newline="")))
    assert rows[0] == table.column_names
    loaded = [[value if value != "" else None for value in row] for row in rows[1:]]

    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    selected = ", ".join(f'cast("{name}" as varchar)' for name in table.column_names)
    expected = [list(row) for row in connection.execute(f"select {selected} from read_parquet('{path}')").fetchall()]
    # CSV has no NULL/empty distinction in a COPY: staging treats both alike (landing_text)
    expected = [[value if value != "" else None for value in row] for row in expected]
    assert loaded == expected


@pytest.mark.parametrize(
    "dsn",
    ["host=db user=ledger password=s3cret dbname=x", "postgresql://ledger:s3cret@db/x", "password = s3cret host=db"],
)
def test_a_password_in_the_dsn_is_refused_without_connecting(dsn):
    """issue 16: process arguments are visible to every user of the machine: the password comes from
    DBT_POSTGRES_PASSWORD or DBT_POSTGRES_PASSWORD_FILE only, and the message says so (not the password)."""
    from token_ledger.load import connect_postgres

    with pytest.raises(SystemExit) as stopped:
        connect_postgres(dsn)
    assert "DBT_POSTGRES_PASSWORD" in str(stopped.value) and "s3cret" not in str(stopped.value)


def test_the_password_file_is_read_when_no_password_variable_is_set(tmp_path, monkeypatch):
    from token_ledger.load import postgres_password

    secret = tmp_path / "pw"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("DBT_POSTGRES_PASSWORD", raising=False)
    monkeypatch.setenv("DBT_POSTGRES_PASSWORD_FILE", str(secret))
    assert postgres_password() == "from-a-file"
    monkeypatch.setenv("DBT_POSTGRES_PASSWORD", "from-the-environment")
    assert postgres_password() == "from-the-environment"
