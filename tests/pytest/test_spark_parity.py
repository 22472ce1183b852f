"""The Spark build of the demo data equals the DuckDB build, relation by relation, row for row.

``make test-spark`` loads data/demo into a local Spark warehouse (token-ledger load --target
spark, under target/spark), runs ``dbt build --target spark`` (dbt-spark, ``method: session``), builds
the DuckDB warehouse (``make dbt-build``) and runs this module with ``TOKEN_LEDGER_SPARK_BUILD=1``.
Without that variable the module is skipped.

As for PostgreSQL (test_postgres_parity.py): every relation of the marts schema, and of the raw, staging
and intermediate schemas, holds the same columns and rows as on DuckDB, floats to 1e-9 (parity.py).
"""

from __future__ import annotations

import os
import time

import duckdb
import parity
import pytest
from parity import DUCKDB_PATH, RAW_SCHEMA, Relation, compare, read_duckdb

ENABLED = os.environ.get("TOKEN_LEDGER_SPARK_BUILD") == "1"
# the run against the real-inputs fixture's warehouse (DBT_SPARK_HOME), not the demo's
FIXTURE_RUN = os.environ.get("TOKEN_LEDGER_SPARK_FIXTURE") == "1"

pytestmark = pytest.mark.skipif(
    not ENABLED,
    reason="no Spark build: run `make test-spark` (sets TOKEN_LEDGER_SPARK_BUILD=1)",
)


@pytest.fixture(scope="module")
def duck():
    assert DUCKDB_PATH.exists(), f"{DUCKDB_PATH} is missing: run `make dbt-build` first"
    connection = duckdb.connect(str(DUCKDB_PATH), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    # PySpark turns Spark timestamps into Python datetimes in the process's time zone: make it UTC,
    # the session time zone of the build.
    os.environ["TZ"] = "UTC"
    time.tzset()
    from token_ledger import load as load_warehouse

    session = load_warehouse.spark_session()
    yield session
    session.stop()


def duckdb_relations(schema: str) -> list[str]:
    return parity.duckdb_relations(schema, ENABLED)


def read_spark(session, schema: str, name: str) -> Relation:
    frame = session.table(f"`{schema}`.`{name}`")
    fields = frame.schema.fields
    columns = [field.name.lower() for field in fields]
    if schema == RAW_SCHEMA:
        frame = frame.selectExpr(*[f"nullif(`{field.name}`, '') as `{field.name}`" for field in fields])
        return Relation(columns, [False] * len(columns), [tuple(row) for row in frame.collect()])
    is_float = [field.dataType.typeName() in ("double", "float") for field in fields]
    return Relation(columns, is_float, [tuple(row) for row in frame.collect()])


def spark_relations(session, schema: str) -> set[str]:
    return {row.tableName for row in session.sql(f"show tables in `{schema}`").collect()}


def test_duckdb_build_has_marts(duck):
    if FIXTURE_RUN:
        pytest.skip("the fixture run compares the fixture only")
    assert len(duckdb_relations("marts")) >= 10


@pytest.mark.parametrize("schema", ["raw", "staging", "intermediate", "marts"])
def test_same_relations(duck, spark, schema):
    if FIXTURE_RUN:
        pytest.skip("the fixture run compares the fixture only")
    expected = set(duckdb_relations(schema))
    assert expected, f"no relation in schema {schema} of {DUCKDB_PATH}"
    assert spark_relations(spark, schema) >= expected


@pytest.mark.parametrize("name", duckdb_relations("marts"))
def test_mart_equals_duckdb(duck, spark, name):
    if FIXTURE_RUN:
        pytest.skip("the fixture run compares the fixture only")
    problems = compare(f"marts.{name}", read_duckdb(duck, "marts", name), read_spark(spark, "marts", name))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("schema", "name"),
    [(schema, name) for schema in ("raw", "staging", "intermediate") for name in duckdb_relations(schema)],
)
def test_upstream_relation_equals_duckdb(duck, spark, schema, name):
    if FIXTURE_RUN:
        pytest.skip("the fixture run compares the fixture only")
    problems = compare(f"{schema}.{name}", read_duckdb(duck, schema, name), read_spark(spark, schema, name))
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(not FIXTURE_RUN, reason="the fixture's Spark build: make test-spark runs it on its own")
def test_real_inputs_fixture_equals_duckdb(tmp_path_factory, spark):
    """The combined real-inputs fixture (real producers' OTLP files, through the loader's flattening) builds
    on Spark (its own warehouse, target/spark-fixtures: `make test-spark` loads and builds it, then runs this
    test alone with TOKEN_LEDGER_SPARK_FIXTURE=1) to the same staging, intermediate and marts as on DuckDB."""
    from harness import build_project, fixture_dir, require_success

    duck_build = build_project(
        fixture_dir(parity.REAL_INPUTS_FIXTURE) / "landing", tmp_path_factory.mktemp("fixture-duckdb")
    )
    require_success(duck_build)
    problems = parity.fixture_differences(
        duck_build,
        lambda schema, name: read_spark(spark, schema, name),
        lambda schema: spark_relations(spark, schema),
    )
    assert not problems, "\n".join(problems[:40])
