"""Adopting token_ledger on one's own data (issue 15), standalone: sources switched off, reference data
from one's own tables, a warehouse that remembers its landing directory, and one-line errors where dbt or
DuckDB used to print a traceback (a locked DuckDB file, dbt run from another directory, source freshness
on an unreadable timestamp). Built on the money fixture (tests/fixtures/money); the package side, in a
host project, is test_dbt_package.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from harness import Build, build_project, copy_project, dbt_environment, fixture_dir, require_success

MONEY = fixture_dir("money")
SEEDS = MONEY / "seeds"
DBT = str(Path(sys.executable).parent / "dbt")
SWITCHED_OFF = {"using_focus": False, "using_contracts": False}
TICKETS = (
    "ticket_id,created_at,updated_at,solved_at,status,assignee_type,escalated,reopens,queue\n"
    "TK-1,2026-06-01T00:00:00Z,2026-06-02T00:00:00Z,,open,ai_agent,false,0,support\n"
    "TK-2,2026-06-01T00:00:00Z,not a time,,open,ai_agent,false,0,support\n"
)


def landing_copy(directory: Path, *, without: tuple[str, ...] = ()) -> Path:
    landing = directory / "landing"
    shutil.copytree(MONEY / "landing", landing)
    for name in without:
        (landing / name).unlink()
    return landing


def dbt_in(build: Build, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """dbt on a finished build's project and warehouse, with that build's vars."""
    environment = dbt_environment(build.project_dir, build.database_path)
    vars_json = build.args[build.args.index("--vars") + 1]
    return subprocess.run(
        [DBT, *args, "--vars", vars_json],
        cwd=cwd or build.project_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def switched_off(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The money fixture without its FOCUS and contracts files, both sources switched off; tickets with one
    unreadable timestamp (for source freshness)."""
    directory = tmp_path_factory.mktemp("switched-off")
    landing = landing_copy(directory, without=("focus_charges.csv", "contracts.csv"))
    (landing / "tickets.csv").write_text(TICKETS)
    return build_project(landing, directory, seeds_dir=SEEDS, extra_vars=SWITCHED_OFF)


@pytest.fixture(scope="module")
def switched_on(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The money fixture whole, its teams read from a table of the warehouse (host_directory.teams, made
    before the build) instead of the teams seed."""
    directory = tmp_path_factory.mktemp("switched-on")
    landing = landing_copy(directory)
    with duckdb.connect(str(directory / "warehouse.duckdb")) as connection:
        connection.execute("create schema host_directory")
        connection.execute(
            "create table host_directory.teams as select team_id, team_name || ' (directory)' as team_name,"
            f" cost_center, business_unit from read_csv('{SEEDS / 'teams.csv'}', all_varchar = true)"
        )
    return build_project(
        landing,
        directory,
        seeds_dir=SEEDS,
        extra_vars={"teams_relation": "host_directory.teams"},
        fresh=False,
    )


def column_types(build: Build, schema: str, relation: str) -> list[tuple[str, str]]:
    return [
        (row["column_name"], row["data_type"])
        for row in build.query(
            "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?"
            " order by ordinal_position",
            [schema, relation],
        )
    ]


# ---- sources switched off -----------------------------------------------------------------------------


def test_a_switched_off_source_needs_no_file(switched_off: Build) -> None:
    require_success(switched_off)


@pytest.mark.parametrize(
    ("schema", "relation"),
    [
        ("staging", "base_focus__charges"),
        ("staging", "stg_focus__charges"),
        ("staging", "stg_focus__quarantined_rows"),
        ("staging", "base_contracts__contracts"),
        ("staging", "stg_contracts__contracts"),
    ],
)
def test_its_models_exist_empty_with_the_same_columns_and_types(
    switched_off: Build, switched_on: Build, schema: str, relation: str
) -> None:
    require_success(switched_off)
    require_success(switched_on)
    assert switched_off.scalar(f"select count(*) from {schema}.{relation}") == 0
    assert column_types(switched_off, schema, relation) == column_types(switched_on, schema, relation)


def test_the_marts_show_nothing_of_it_and_the_money_still_adds_up(switched_off: Build, switched_on: Build) -> None:
    """Without FOCUS the ledger holds the OpenAI and Anthropic money exactly as the whole build does."""
    require_success(switched_off)
    cloud = "('aws.bedrock', 'azure.ai.openai', 'gcp.vertex_ai')"
    assert switched_off.scalar(f"select count(*) from marts.fct_spend_ledger where provider in {cloud}") == 0
    assert switched_on.scalar(f"select count(*) from marts.fct_spend_ledger where provider in {cloud}") > 0
    by_provider = "select provider, sum(amount_usd) as usd from marts.fct_spend_ledger group by 1 order by 1"
    on = {row["provider"]: row["usd"] for row in switched_on.query(by_provider)}
    off = {row["provider"]: row["usd"] for row in switched_off.query(by_provider)}
    assert set(off) == {"openai", "anthropic"}
    for provider, usd in off.items():
        assert usd == pytest.approx(on[provider], abs=1e-6)
    for test in ("assert_ledger_equals_billed_usd", "assert_end_to_end_spend_equals_billed"):
        assert switched_off.node(test).status == "pass"


# ---- reference data from one's own tables -------------------------------------------------------------


def test_reference_data_can_come_from_a_relation_instead_of_the_seed(switched_on: Build) -> None:
    require_success(switched_on)
    names = {row["team_id"]: row["team_name"] for row in switched_on.query("select * from marts.dim_teams")}
    assert names["alpha"] == "Team Alpha (directory)"
    assert all(name.endswith("(directory)") for team, name in names.items() if team != "unassigned")


# ---- source freshness ---------------------------------------------------------------------------------


def test_source_freshness_reads_past_an_unreadable_timestamp_and_skips_switched_off_sources(
    switched_off: Build,
) -> None:
    """`cast` stopped the whole check on `not a time`; the safe cast reads the other rows. The fixture's
    data are old, so the sources are stale (an error status), which is a result, not a crash."""
    require_success(switched_off)
    completed = dbt_in(switched_off, "source", "freshness")
    results = json.loads((switched_off.project_dir / "target" / "sources.json").read_text())["results"]
    statuses = {result["unique_id"].split(".", 2)[2]: result["status"] for result in results}
    assert "runtime error" not in statuses.values(), completed.stdout[-4000:]
    assert statuses["helpdesk.tickets"] in ("pass", "warn", "error")
    assert not [name for name in statuses if name.startswith(("focus.", "contracts."))], statuses


# ---- one-line errors ----------------------------------------------------------------------------------


def test_a_warehouse_held_by_another_process_stops_with_one_line(switched_on: Build) -> None:
    """A BI session (here: a read-only connection of this process) holds the DuckDB file."""
    require_success(switched_on)
    with duckdb.connect(str(switched_on.database_path), read_only=True):
        completed = dbt_in(switched_on, "run", "-s", "dim_teams")
    assert completed.returncode != 0
    assert f"the warehouse {switched_on.database_path} is open in another process" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    error = completed.stdout.split("Encountered an error:", 1)[1].strip().splitlines()
    assert len(error) <= 2, error  # dbt's "Database Error", then the one line


def test_dbt_from_another_directory_opens_the_project_s_warehouse(tmp_path: Path) -> None:
    """`--project-dir`/`--profiles-dir` from anywhere: the DuckDB file and a relative raw_dir are the
    project's, not the working directory's."""
    project = copy_project(tmp_path / "project", seeds_dir=SEEDS)
    shutil.copytree(MONEY / "landing", project / "landing")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    completed = subprocess.run(
        [DBT, "run", "-s", "dim_teams", "--vars", '{"raw_dir": "landing"}', "--project-dir", str(project)]
        + ["--profiles-dir", str(project)],
        cwd=elsewhere,
        env=dbt_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    # dim_teams reads seeds that were never loaded: the run fails there, after the warehouse was opened
    # and the landing registered, which is what this test is about
    assert "Traceback" not in completed.stdout + completed.stderr
    assert (project / "target" / "token_ledger.duckdb").exists(), completed.stdout[-3000:]
    assert not (elsewhere / "target").exists()
    with duckdb.connect(str(project / "target" / "token_ledger.duckdb"), read_only=True) as connection:
        assert connection.execute("select raw_dir from main.token_ledger_landing_state").fetchone()[0] == str(
            project / "landing"
        )


# ---- the warehouse remembers its landing directory ----------------------------------------------------


def test_another_raw_dir_stops_without_full_refresh_and_the_same_one_stays_incremental(tmp_path: Path) -> None:
    first = landing_copy(tmp_path / "first")
    second = landing_copy(tmp_path / "second")
    build = tmp_path / "build"
    only = ("--indirect-selection", "cautious")  # the seeds' tests that reach other seeds stay out

    require_success(build_project(first, build, seeds_dir=SEEDS, select="+dim_teams", extra_args=only))
    # a day later, more rows in the same directory: incremental, no question asked
    with (first / "tickets.csv").open("a") as tickets:
        tickets.write(TICKETS.splitlines()[1] + "\n")
    require_success(build_project(first, build, seeds_dir=SEEDS, select="+dim_teams", fresh=False, extra_args=only))

    switched = build_project(second, build, seeds_dir=SEEDS, select="+dim_teams", fresh=False, extra_args=only)
    assert not switched.success
    line = next(line for line in switched.output.splitlines() if "was built from raw_dir" in line)
    assert str(first) in line and str(second) in line and "--full-refresh" in line
    assert not [node for node in switched.nodes.values() if node.resource_type == "model"]
    assert "Traceback" not in switched.output

    refreshed = build_project(
        second, build, seeds_dir=SEEDS, select="+dim_teams", fresh=False, extra_args=(*only, "--full-refresh")
    )
    require_success(refreshed)
    assert refreshed.scalar("select raw_dir from main.token_ledger_landing_state") == str(second)


def test_the_generated_data_of_another_seed_builds_in_a_warehouse_of_its_own(tmp_path: Path) -> None:
    """The README's own recipe, `token-ledger generate --seed 7`, then a build on it: every model and test
    passes (the money invariants among them). On the demo's warehouse the same build stops with one line
    instead (test_another_raw_dir_stops_without_full_refresh_and_the_same_one_stays_incremental)."""
    landing = tmp_path / "landing"
    generated = subprocess.run(
        [str(Path(sys.executable).parent / "token-ledger"), "generate", "--out", str(landing), "--seed", "7"]
        + ["--scale", "0.5"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr[-3000:]
    build = build_project(landing, tmp_path / "build")
    require_success(build)
    assert build.node("assert_ledger_equals_billed_usd").status == "pass"
    assert build.node("assert_end_to_end_spend_equals_billed").status == "pass"
