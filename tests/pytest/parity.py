"""Row-for-row comparison of a warehouse build with the DuckDB build of the same landing data.

Used by test_postgres_parity.py (and the other engines' parity tests): every relation of a schema
must hold the same columns and the same rows; values compare exactly, except floating-point values,
which compare to ``ABS_TOLERANCE`` (1e-9: money in USD, rates, slopes) or, for magnitudes above 1000,
to ``REL_TOLERANCE`` of the value (sums of doubles in another order differ in the last bits).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

ABS_TOLERANCE = 1e-9
REL_TOLERANCE = 1e-12
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# the DuckDB build every other engine is compared with (make dbt-build)
DUCKDB_PATH = Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_ROOT / "target" / "token_ledger.duckdb"))
RAW_SCHEMA = "raw"
# One combined real-inputs fixture is built on every engine too: tests/fixtures/real_inputs, the real
# producers' OTLP traces and the outcomes of tests/fixtures/real_traces beside the real bills (FOCUS sample
# slice, Admin API shapes, Mistral) and flat spans of tests/fixtures/real_bills (links, not copies).
REAL_INPUTS_FIXTURE = "real_inputs"
MODEL_SCHEMAS = ("staging", "intermediate", "marts")


def _directory_tables():
    from token_ledger.contract import _tables
    from token_ledger.paths import project_root

    return [table for table in _tables(project_root().resolve()).values() if table.directory]


@dataclass
class Relation:
    """Rows of one relation as read from one engine, with its column names (lower case) and, per
    column, whether the engine typed it as a floating-point number."""

    columns: list[str]
    is_float: list[bool]
    rows: list[tuple]


def normalize(value: Any) -> Any:
    """One spelling per value across drivers: Decimal → float, timezone-less datetimes, ..."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def floats_equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    left, right = float(left), float(right)
    if math.isnan(left) or math.isnan(right):
        return math.isnan(left) and math.isnan(right)
    if math.isinf(left) or math.isinf(right):
        return left == right
    difference = abs(left - right)
    return difference <= ABS_TOLERANCE or difference <= REL_TOLERANCE * max(abs(left), abs(right))


def _sort_key(row: Sequence[Any]) -> tuple:
    # None sorts first; values of mixed types compare by their text
    return tuple((value is not None, str(value) if not isinstance(value, float) else value) for value in row)


def compare(name: str, expected: Relation, actual: Relation, max_report: int = 10) -> list[str]:
    """Differences between the DuckDB relation (expected) and the other engine's (actual), in words;
    an empty list when they hold the same rows."""
    problems: list[str] = []
    if expected.columns != actual.columns:
        return [f"{name}: columns differ: duckdb {expected.columns} vs {actual.columns}"]
    is_float = [left or right for left, right in zip(expected.is_float, actual.is_float, strict=True)]
    key_positions = [i for i, flag in enumerate(is_float) if not flag]
    float_positions = [i for i, flag in enumerate(is_float) if flag]

    def grouped(relation: Relation) -> dict[tuple, list[tuple]]:
        groups: dict[tuple, list[tuple]] = defaultdict(list)
        for raw in relation.rows:
            row = tuple(normalize(value) for value in raw)
            groups[tuple(row[i] for i in key_positions)].append(row)
        for rows in groups.values():
            rows.sort(key=lambda row: _sort_key([row[i] for i in float_positions]))
        return groups

    if len(expected.rows) != len(actual.rows):
        problems.append(f"{name}: {len(expected.rows)} rows on duckdb, {len(actual.rows)} here")
    left, right = grouped(expected), grouped(actual)
    missing = [key for key in left if key not in right]
    extra = [key for key in right if key not in left]
    for label, keys in (("only on duckdb", missing), ("only here", extra)):
        if keys:
            shown = "; ".join(
                ", ".join(f"{expected.columns[i]}={value!r}" for i, value in zip(key_positions, key, strict=True))
                for key in sorted(keys, key=_sort_key)[:max_report]
            )
            problems.append(f"{name}: {len(keys)} row keys {label}, e.g. {shown}")
    reported = 0
    for key, left_rows in left.items():
        right_rows = right.get(key)
        if right_rows is None:
            continue
        if len(left_rows) != len(right_rows):
            problems.append(f"{name}: key {key!r}: {len(left_rows)} rows on duckdb, {len(right_rows)} here")
            continue
        for left_row, right_row in zip(left_rows, right_rows, strict=True):
            for i in float_positions:
                if not floats_equal(left_row[i], right_row[i]):
                    if reported < max_report:
                        problems.append(
                            f"{name}: key {key!r}: {expected.columns[i]} duckdb {left_row[i]!r} vs {right_row[i]!r}"
                        )
                    reported += 1
    if reported > max_report:
        problems.append(f"{name}: {reported - max_report} more value differences")
    return problems


# Landing relations only DuckDB has: the views over files it reads as they are (otlp_traces/), which a
# loader flattens into otel_spans elsewhere.
DUCKDB_ONLY = {(RAW_SCHEMA, table.identifier) for table in _directory_tables()}


def duckdb_relations(schema: str, enabled: bool, path: Path = DUCKDB_PATH) -> list[str]:
    """The relations of a schema of a DuckDB build (every engine builds them too), read at collection time:
    only when the engine's module runs (``enabled``), since the file may be another build's, locked."""
    if not enabled or not path.exists():
        return []
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
            if (schema, name) not in DUCKDB_ONLY
        ]
    finally:
        connection.close()


def read_duckdb(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> Relation:
    """One relation of the DuckDB build; landing columns as text, as the loader writes them (an empty
    field is NULL)."""
    described = connection.execute(
        "select lower(column_name), data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    columns = [column for column, _ in described]
    if schema == RAW_SCHEMA:
        selected = ", ".join(f"nullif(cast(\"{column}\" as varchar), '')" for column in columns)
        rows = connection.execute(f'select {selected} from "{schema}"."{name}"').fetchall()
        return Relation(columns, [False] * len(columns), rows)
    is_float = [data_type in ("DOUBLE", "FLOAT", "REAL") for _, data_type in described]
    rows = connection.execute(f'select * from "{schema}"."{name}"').fetchall()
    return Relation(columns, is_float, rows)


def fixture_differences(fixture_build, read_other, other_relations) -> list[str]:
    """Every difference between the DuckDB build of a fixture (harness Build) and another engine's build
    of the same landing (read_other(schema, name) -> Relation), over the model schemas."""
    problems: list[str] = []
    with fixture_build.connect() as connection:
        for schema in MODEL_SCHEMAS:
            names = duckdb_relations(schema, True, fixture_build.database_path)
            missing = sorted(set(names) - other_relations(schema))
            problems += [f"{schema}.{name}: not built" for name in missing]
            for name in sorted(set(names) - set(missing)):
                problems += compare(f"{schema}.{name}", read_duckdb(connection, schema, name), read_other(schema, name))
    return problems
