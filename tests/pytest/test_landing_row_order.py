"""A CSV landing row's number (_landing_row) is its place in the file, under the settings dbt runs with.

profiles.yml lets DuckDB write a model's rows in any order (preserve_insertion_order: false, DECISIONS 178), and
DuckDB reads a large CSV on both threads at once. The landing view numbers a CSV's rows with
``row_number() over ()``, whose operator keeps the order it reads in whatever that setting says: the number a
quarantined row shows must be its line in the file. This reads the view dbt created for a fixture's
tickets.csv over a CSV large enough to be read in parallel (several of DuckDB's 32 MB buffers), whose column
``n`` holds the data row's place, on a connection with the profile's DuckDB settings and threads.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml
from harness import PROJECT_ROOT, require_success

ROWS = 1_500_000  # about 110 MB of CSV


def duckdb_profile() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "profiles.yml").read_text())["token_ledger"]["outputs"]["duckdb"]


def test_csv_landing_rows_are_numbered_in_file_order(fixture_build, tmp_path: Path) -> None:
    build = fixture_build("money")
    require_success(build)
    with duckdb.connect(str(build.database_path), read_only=True) as built:
        view = built.execute(
            "select sql from duckdb_views() where view_name = 'tickets' and sql like '%read_csv%'"
        ).fetchone()
    assert view is not None, "no landing view over tickets.csv in the fixture's warehouse"
    landing_file = str(build.landing_dir / "tickets.csv")
    assert landing_file in view[0] and "row_number() OVER ()" in view[0], view[0]

    big = tmp_path / "tickets.csv"
    profile = duckdb_profile()
    connection = duckdb.connect()
    # every literal setting of the profile (the memory limit is an env_var() expression: left at DuckDB's own)
    settings = {name: value for name, value in profile["settings"].items() if "{{" not in str(value)}
    assert settings.get("preserve_insertion_order") is False, settings  # what this test is about
    for name, value in settings.items():
        connection.execute(f"set {name} = '{value}'")
    connection.execute(f"set threads = {int(profile['threads'])}")
    connection.execute("set enable_progress_bar = false")
    connection.execute(
        f"copy (select i as n, 'T-' || i as ticket_id, repeat('x', 50) as note from range(1, {ROWS + 1}) t(i)) "
        f"to '{big}' (header)"
    )
    assert big.stat().st_size > 3 * 32 * 2**20  # more than one buffer per thread

    connection.execute("create schema raw")
    connection.execute("create view raw.tickets as " + view[0].split(" AS ", 1)[1].replace(landing_file, str(big)))
    rows, misplaced, first, last = connection.execute(
        "select count(*), count(*) filter (where _landing_row <> cast(n as bigint)), min(_landing_row), "
        "max(_landing_row) from raw.tickets"
    ).fetchone()
    assert (rows, misplaced, first, last) == (ROWS, 0, 1, ROWS)

    # the file is read on both threads and these settings do let rows move: a table written from a plain
    # read of it, then numbered, is not in the file's order (so the check above could fail)
    connection.execute(f"create table copied as select * from read_csv('{big}', header = true, all_varchar = true)")
    moved = connection.execute(
        "select count(*) filter (where place <> cast(n as bigint)) from "
        "(select row_number() over () as place, n from copied)"
    ).fetchone()[0]
    assert moved > 0
