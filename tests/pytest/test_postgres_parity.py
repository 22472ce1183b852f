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
    connection = _postgres_database(os.environ.get("DBT_POSTGRES_DBNAME", "token_ledger"))
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


def _postgres_database(name: str):
    psycopg2 = pytest.importorskip("psycopg2")
    connection = psycopg2.connect(
        host=os.environ.get("DBT_POSTGRES_HOST", "127.0.0.1"),
        port=int(os.environ.get("DBT_POSTGRES_PORT", "55432")),
        user=os.environ.get("DBT_POSTGRES_USER", "token_ledger"),
        password=os.environ.get("DBT_POSTGRES_PASSWORD", ""),
        dbname=name,
    )
    connection.autocommit = True
    return connection


def test_incremental_run_equals_full_refresh(tmp_path_factory):
    """The incremental models on PostgreSQL (delete+insert by trace, by work item, by CDC key): a warehouse
    built on day N, then run without --full-refresh once day N+1 arrived (a late span, a late bill, a CDC
    update of an old ticket: incremental_landing.py), holds what a full refresh of the same landing holds,
    relation by relation (databases <dbname>_incremental and <dbname>_full)."""
    import json

    from harness import PROJECT_ROOT, build_project, patched_environ, require_success
    from incremental_landing import arrive, next_day_landing

    from token_ledger.contract import landing_tables
    from token_ledger.load import load_postgres

    demo = PROJECT_ROOT / "data" / "demo"
    window = json.loads((demo / "_expected.json").read_text())["window"]
    root = tmp_path_factory.mktemp("postgres-incremental")
    days = next_day_landing(demo, window, root)
    base = os.environ.get("DBT_POSTGRES_DBNAME", "token_ledger")
    connections = {}
    plans = {"incremental": [(days.day_n, True), (days.whole, False)], "full": [(days.whole, True)]}
    for kind, steps in plans.items():
        database = f"{base}_{kind}"
        connection = _postgres_database(database)
        connections[kind] = connection
        with connection.cursor() as cursor:
            for schema in ("raw", "reference", *parity.MODEL_SCHEMAS):
                cursor.execute(f'drop schema if exists "{schema}" cascade')
        landing = root / kind / "landing"
        for delivered, full_refresh in steps:
            arrive(delivered, landing)
            with patched_environ({"DBT_POSTGRES_DBNAME": database}):
                load_postgres(landing, RAW_SCHEMA, None, landing_tables())
            build = build_project(
                landing,
                root / kind,
                environment={"DBT_TARGET": "postgres", "DBT_POSTGRES_DBNAME": database},
                extra_args=["--exclude-resource-type", "unit_test", *(["--full-refresh"] if full_refresh else [])],
            )
            require_success(build)
    problems: list[str] = []
    try:
        for schema in parity.MODEL_SCHEMAS:
            names = postgres_relations(connections["full"], schema)
            assert names, f"no relation in {schema} of the full refresh"
            if postgres_relations(connections["incremental"], schema) != names:
                problems.append(f"{schema}: the two builds have different relations")
            for name in sorted(names):
                problems += compare(
                    f"{schema}.{name}",
                    read_postgres(connections["full"], schema, name),
                    read_postgres(connections["incremental"], schema, name),
                )
        with connections["incremental"].cursor() as cursor:
            cursor.execute("select status from staging.stg_helpdesk__tickets where ticket_id = %s", (days.reopened,))
            assert cursor.fetchall() == [("open",)]
            cursor.execute("select count(*) from intermediate.int_model_calls where span_id = %s", (days.late_span,))
            assert cursor.fetchall() == [(1,)]
    finally:
        for connection in connections.values():
            connection.close()
    assert not problems, "\n".join(problems[:40])
