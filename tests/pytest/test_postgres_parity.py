"""The PostgreSQL build of the demo data equals the DuckDB build, relation by relation, row for row.

``make test-postgres`` starts a local PostgreSQL server, loads data/demo into its raw schema
(token-ledger load), runs ``dbt build --target postgres``, builds the DuckDB warehouse
(``make dbt-build``) and runs this module with ``TOKEN_LEDGER_POSTGRES_BUILD=1``. Without that variable
the module is skipped (``make test`` has no PostgreSQL server).

Every relation of the marts schema must hold the same columns, the same rows (every non-float column
equal) and the same money (floats to 1e-9: see parity.py); the intermediate and staging relations and
the raw tables are compared the same way, so a difference is found where it starts.
Connection: the DBT_POSTGRES_* variables of the ``postgres`` target (profiles.yml).
"""

from __future__ import annotations

import os

import duckdb
import parity
import pytest
from parity import DUCKDB_PATH, RAW_SCHEMA, Relation, compare, read_duckdb

FLOAT_OIDS = {700, 701}  # float4, float8

ENABLED = os.environ.get("TOKEN_LEDGER_POSTGRES_BUILD") == "1"

pytestmark = pytest.mark.skipif(
    not ENABLED,
    reason="no PostgreSQL build: run `make test-postgres` (sets TOKEN_LEDGER_POSTGRES_BUILD=1)",
)


@pytest.fixture(scope="module")
def duck():
    assert DUCKDB_PATH.exists(), f"{DUCKDB_PATH} is missing: run `make dbt-build` first"
    connection = duckdb.connect(str(DUCKDB_PATH), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def pg():
    psycopg2 = pytest.importorskip("psycopg2")
    connection = psycopg2.connect(
        host=os.environ.get("DBT_POSTGRES_HOST", "127.0.0.1"),
        port=int(os.environ.get("DBT_POSTGRES_PORT", "55432")),
        user=os.environ.get("DBT_POSTGRES_USER", "token_ledger"),
        password=os.environ.get("DBT_POSTGRES_PASSWORD", ""),
        dbname=os.environ.get("DBT_POSTGRES_DBNAME", "token_ledger"),
    )
    connection.set_session(readonly=True, autocommit=True)
    yield connection
    connection.close()


def duckdb_relations(schema: str) -> list[str]:
    return parity.duckdb_relations(schema, ENABLED)


def read_postgres(connection, schema: str, name: str) -> Relation:
    with connection.cursor() as cursor:
        if schema == RAW_SCHEMA:
            cursor.execute(f'select * from "{schema}"."{name}" limit 0')
            selected = ", ".join(
                f'nullif(cast("{item.name}" as text), \'\') as "{item.name}"' for item in cursor.description
            )
            cursor.execute(f'select {selected} from "{schema}"."{name}"')
        else:
            cursor.execute(f'select * from "{schema}"."{name}"')
        rows = cursor.fetchall()
        columns = [item.name.lower() for item in cursor.description]
        is_float = [item.type_code in FLOAT_OIDS for item in cursor.description]
    return Relation(columns, is_float, rows)


def postgres_relations(connection, schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select table_name from information_schema.tables where table_schema = %s",
            (schema,),
        )
        return {name for (name,) in cursor.fetchall()}


def test_duckdb_build_has_marts(duck):
    assert len(duckdb_relations("marts")) >= 10


@pytest.mark.parametrize("schema", ["raw", "staging", "intermediate", "marts"])
def test_same_relations(duck, pg, schema):
    expected = set(duckdb_relations(schema))
    assert expected, f"no relation in schema {schema} of {DUCKDB_PATH}"
    assert postgres_relations(pg, schema) >= expected


@pytest.mark.parametrize("name", duckdb_relations("marts"))
def test_mart_equals_duckdb(duck, pg, name):
    problems = compare(f"marts.{name}", read_duckdb(duck, "marts", name), read_postgres(pg, "marts", name))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("schema", "name"),
    [(schema, name) for schema in ("raw", "staging", "intermediate") for name in duckdb_relations(schema)],
)
def test_upstream_relation_equals_duckdb(duck, pg, schema, name):
    problems = compare(f"{schema}.{name}", read_duckdb(duck, schema, name), read_postgres(pg, schema, name))
    assert not problems, "\n".join(problems)


def test_real_inputs_fixture_equals_duckdb(tmp_path_factory):
    """The combined real-inputs fixture (real producers' OTLP files through the loader's flattening, and real
    bills) builds on PostgreSQL (database <dbname>_fixtures) to the same staging, intermediate and marts as on
    DuckDB."""
    from harness import build_project, fixture_dir, patched_environ, require_success

    from token_ledger.contract import landing_tables
    from token_ledger.load import load_postgres

    psycopg2 = pytest.importorskip("psycopg2")
    landing = fixture_dir(parity.REAL_INPUTS_FIXTURE) / "landing"
    duck_build = build_project(landing, tmp_path_factory.mktemp("fixture-duckdb"))
    require_success(duck_build)

    database = os.environ.get("DBT_POSTGRES_DBNAME", "token_ledger") + "_fixtures"
    settings = {
        "host": os.environ.get("DBT_POSTGRES_HOST", "127.0.0.1"),
        "port": int(os.environ.get("DBT_POSTGRES_PORT", "55432")),
        "user": os.environ.get("DBT_POSTGRES_USER", "token_ledger"),
        "password": os.environ.get("DBT_POSTGRES_PASSWORD", ""),
        "dbname": database,
    }
    connection = psycopg2.connect(**settings)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for schema in ("raw", "reference", *parity.MODEL_SCHEMAS):
            cursor.execute(f'drop schema if exists "{schema}" cascade')
    with patched_environ({"DBT_POSTGRES_DBNAME": database}):
        load_postgres(landing, RAW_SCHEMA, None, landing_tables())
    pg_build = build_project(
        landing,
        tmp_path_factory.mktemp("fixture-postgres"),
        environment={"DBT_TARGET": "postgres", "DBT_POSTGRES_DBNAME": database},
        extra_args=["--full-refresh"],
    )
    require_success(pg_build)
    connection.set_session(readonly=True, autocommit=True)
    try:
        problems = parity.fixture_differences(
            duck_build,
            lambda schema, name: read_postgres(connection, schema, name),
            lambda schema: postgres_relations(connection, schema),
        )
    finally:
        connection.close()
    assert not problems, "\n".join(problems[:40])
