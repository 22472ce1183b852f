"""The build harness itself: what it copies, and that a failed build surfaces dbt's own words."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from harness import (
    PROJECT_ROOT,
    build_project,
    copy_project,
    fixture_dir,
    require_success,
)

MONEY = fixture_dir("money")


def test_copy_project_takes_the_dbt_project_only(tmp_path: Path) -> None:
    copied = copy_project(tmp_path / "project", seeds_dir=MONEY / "seeds")
    assert (copied / "dbt_project.yml").read_text() == (PROJECT_ROOT / "dbt_project.yml").read_text()
    assert (copied / "models").is_dir() and (copied / "macros").is_dir()
    assert not (copied / "tests" / "pytest").exists()
    assert not (copied / "tests" / "fixtures").exists()
    assert not (copied / "target").exists() and not (copied / ".venv").exists()
    dbt_test_dirs = {p.name for p in (PROJECT_ROOT / "tests").iterdir() if p.is_dir()} - {
        "pytest",
        "fixtures",
        "__pycache__",
    }
    assert {p.name for p in (copied / "tests").iterdir() if p.is_dir()} == dbt_test_dirs


def test_copy_project_replaces_seed_csvs_and_keeps_their_yaml(tmp_path: Path) -> None:
    copied = copy_project(tmp_path / "project", seeds_dir=MONEY / "seeds")
    csvs = {p.name: p.read_text() for p in (copied / "seeds").glob("*.csv")}
    assert csvs == {p.name: p.read_text() for p in (MONEY / "seeds").glob("*.csv")}
    for yaml_file in (PROJECT_ROOT / "seeds").glob("*.yml"):
        assert (copied / "seeds" / yaml_file.name).read_text() == yaml_file.read_text()


def test_a_missing_landing_column_fails_with_a_message_naming_table_and_column(
    tmp_path: Path,
) -> None:
    """landing.md "Errors": a missing listed column fails the build, naming the table and the column;
    the harness hands that text to the test (require_success fails with it)."""
    landing = tmp_path / "landing"
    shutil.copytree(MONEY / "landing", landing)
    with (MONEY / "landing" / "invoices.csv").open(newline="") as source:
        rows = list(csv.reader(source))
    subtotal = rows[0].index("subtotal")
    with (landing / "invoices.csv").open("w", newline="") as target:
        csv.writer(target, lineterminator="\n").writerows([row[:subtotal] + row[subtotal + 1 :] for row in rows])

    build = build_project(landing, tmp_path, seeds_dir=MONEY / "seeds")

    assert not build.success
    assert "invoices" in build.error_text() and "subtotal" in build.error_text()
    with pytest.raises(pytest.fail.Exception) as failure:
        require_success(build)
    assert "missing column subtotal" in str(failure.value)
