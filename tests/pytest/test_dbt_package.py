"""token_ledger installed as a dbt package in a host project (issue 15): integration_tests/ is that host.

``make integration-test`` builds it whole (its own schema names, FOCUS and contracts switched off, its own
team directory, token_ledger's tests). These tests check what a whole build cannot show: the hooks do
nothing unless a token_ledger node is selected, the schema names follow the host unless it opts into the
fixed ones, and the tags select token_ledger's tests. Each runs dbt in a copy of the host project that
installs the package from this checkout's path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from harness import PROJECT_ROOT, copy_project, dbt_environment

HOST = PROJECT_ROOT / "integration_tests"
DBT = str(Path(sys.executable).parent / "dbt")


def run_dbt(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DBT, *args],
        cwd=project,
        env=dbt_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("host") / "integration_tests"
    shutil.copytree(HOST, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs", "package-lock.yml"))
    (project / "packages.yml").write_text(f"packages:\n  - local: {PROJECT_ROOT}\n")
    # the demo landing of this checkout, wherever the copy is
    dbt_project = (project / "dbt_project.yml").read_text()
    (project / "dbt_project.yml").write_text(dbt_project.replace("../data/demo", str(PROJECT_ROOT / "data" / "demo")))
    deps = run_dbt(project, "deps")
    assert deps.returncode == 0, deps.stdout[-3000:]
    return project


def manifest_schemas(project: Path, *args: str) -> dict[str, str]:
    parsed = run_dbt(project, "parse", *args)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    return {node["unique_id"]: node["schema"] for node in manifest["nodes"].values()}


def test_the_hooks_do_nothing_when_no_token_ledger_node_is_selected(host: Path) -> None:
    """A host building only its own nodes needs no landing data: the landing directory here does not exist,
    and nothing is registered."""
    seeded = run_dbt(host, "seed", "-s", "host_teams", "--vars", '{"raw_dir": "/nonexistent/landing"}')
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    with duckdb.connect(str(host / "target" / "integration_tests.duckdb"), read_only=True) as connection:
        schemas = {
            row[0] for row in connection.execute("select schema_name from information_schema.schemata").fetchall()
        }
    assert "host_landing" not in schemas, schemas


def test_the_hooks_run_when_a_token_ledger_node_is_selected(host: Path) -> None:
    seeded = run_dbt(host, "seed", "-s", "token_ledger.teams", "--vars", '{"raw_dir": "/nonexistent/landing"}')
    assert seeded.returncode != 0
    assert "no file otel_spans.csv or otel_spans.parquet in /nonexistent/landing" in seeded.stdout
    assert "Traceback" not in seeded.stdout


def test_schema_names_follow_the_host_unless_it_opts_into_the_fixed_ones(host: Path, tmp_path: Path) -> None:
    hosted = manifest_schemas(host)
    assert hosted["model.token_ledger.fct_model_calls"] == "host_ledger__marts"
    assert hosted["model.token_ledger.stg_otel__spans"] == "host_ledger__staging"
    assert hosted["seed.token_ledger.model_prices"] == "host_ledger__reference"
    assert hosted["model.token_ledger_integration_tests.host_ai_spend_by_team"] == "host_ledger__reporting"

    fixed = manifest_schemas(host, "--vars", '{"fixed_schema_names": true}')
    assert fixed["model.token_ledger.fct_model_calls"] == "marts"
    assert fixed["seed.token_ledger.model_prices"] == "reference"
    # the host's own models keep the host's naming
    assert fixed["model.token_ledger_integration_tests.host_ai_spend_by_team"] == "host_ledger__reporting"

    standalone = copy_project(tmp_path / "standalone")
    alone = manifest_schemas(standalone)
    assert alone["model.token_ledger.fct_model_calls"] == "marts"  # DECISIONS 26
    assert alone["model.token_ledger.int_model_calls"] == "intermediate"


def test_tags_select_or_skip_token_ledger_tests(host: Path) -> None:
    listed = run_dbt(host, "ls", "--resource-type", "test", "-s", "tag:token_ledger_tests", "--output", "json")
    assert listed.returncode == 0, listed.stdout[-3000:]
    nodes = [json.loads(line) for line in listed.stdout.splitlines() if line.startswith("{")]
    assert nodes and all(node["package_name"] == "token_ledger" for node in nodes)
    assert any(node["name"] == "assert_ledger_equals_billed_usd" for node in nodes)

    buildable = [option for kind in ("model", "seed", "test", "unit_test") for option in ("--resource-type", kind)]
    host_only = run_dbt(host, "ls", *buildable, "--exclude", "tag:token_ledger", "--output", "json")
    names = {json.loads(line)["package_name"] for line in host_only.stdout.splitlines() if line.startswith("{")}
    assert names == {"token_ledger_integration_tests"}, names


def test_the_host_reads_its_own_team_directory(host: Path) -> None:
    """teams_relation: host_teams (the host's dbt_project.yml) puts the host's seed in the lineage of
    dim_teams in place of token_ledger's teams seed."""
    run_dbt(host, "parse")
    manifest = json.loads((host / "target" / "manifest.json").read_text())
    depends_on = manifest["nodes"]["model.token_ledger.dim_teams"]["depends_on"]["nodes"]
    assert "seed.token_ledger_integration_tests.host_teams" in depends_on
    assert "seed.token_ledger.teams" not in depends_on
