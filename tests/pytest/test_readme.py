"""The README and docs/ cannot go stale (issue 15).

- The sample tables of README.md and the column tables of docs/landing.md are what the demo build and the
  sources YAML give (scripts/readme_samples.py writes them; ``--check`` compares).
- Every link of README.md, docs/*.md and integration_tests/README.md resolves in a fresh clone: its target
  is a file git tracks (not something a build makes, or a path outside the repository), and an anchor
  names a heading of its page.
- The warn tests that fire on the demo build are the ones the README's "Expected warnings on the demo" lists.

Needs the demo build (``make build``; ``make test`` builds it first).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from harness import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
PAGES = [
    README,
    PROJECT_ROOT / "DECISIONS.md",
    *sorted((PROJECT_ROOT / "docs").glob("*.md")),
    PROJECT_ROOT / "integration_tests" / "README.md",
]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
DATABASE = Path(os.environ.get("DBT_DUCKDB_PATH") or PROJECT_ROOT / "target" / "token_ledger.duckdb")


def test_generated_parts_match_the_demo_build_and_the_contract() -> None:
    assert DATABASE.exists(), f"{DATABASE} is missing: run `make build` first"
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "readme_samples.py"), "--check", "--database", str(DATABASE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def tracked_files() -> set[str]:
    completed = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    if completed.returncode != 0:
        pytest.skip("not a git checkout")
    return set(completed.stdout.splitlines())


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    found = set()
    for line in page.read_text().splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            text = re.sub(r"[`*_]", "", heading[1]).strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text)))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(PROJECT_ROOT)))
def test_every_link_resolves_in_a_fresh_clone(page: Path) -> None:
    tracked = tracked_files()
    directories = {str(Path(name).parent) for name in tracked} | {
        str(parent) for name in tracked for parent in Path(name).parents
    }
    problems = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:: not checked offline
            continue
        path_part, _, anchor = target.partition("#")
        destination = page if not path_part else (page.parent / path_part).resolve()
        try:
            relative = str(destination.relative_to(PROJECT_ROOT)) if path_part else str(page.relative_to(PROJECT_ROOT))
        except ValueError:
            problems.append(f"{target}: outside the repository")
            continue
        if relative not in tracked and relative.rstrip("/") not in directories:
            problems.append(f"{target}: {relative} is not in a clone (not tracked by git)")
            continue
        if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            problems.append(f"{target}: no heading #{anchor} in {relative}")
    assert not problems, "\n".join(problems)


def test_the_warn_tests_that_fire_on_the_demo_are_the_ones_the_readme_lists() -> None:
    results_file = PROJECT_ROOT / "target" / "run_results.json"
    if not results_file.exists():
        pytest.skip("no target/run_results.json: run `make build` first")
    results = json.loads(results_file.read_text())
    arguments = results.get("args", {})
    if arguments.get("which") != "build" or arguments.get("select") or (arguments.get("vars") or {}).get("raw_dir"):
        pytest.skip("target/run_results.json is not the demo's whole build (make build)")
    warned = {
        result["unique_id"].split(".")[2].rstrip("_") for result in results["results"] if result["status"] == "warn"
    }

    section = README.read_text().split("## Expected warnings on the demo", 1)[1].split("\n## ", 1)[0]
    listed: set[str] = set()
    for row in re.findall(r"^\| `([\w<>]+)`(?: \(([\w, ]+)\))? \|", section, re.M):
        name, sources = row
        if "<source>" in name:
            listed |= {name.replace("<source>", source.strip()) for source in sources.split(",")}
        else:
            listed.add(name)
    assert warned == listed, (
        f"fire but not listed: {sorted(warned - listed)}; listed, do not fire: {sorted(listed - warned)}"
    )


def test_nothing_points_outside_the_repository_for_the_definitions() -> None:
    """The definitions used to be links to ../shared/spec/, which a clone does not have: the README, the
    decisions and the CFO report's footer now name docs/."""
    completed = subprocess.run(
        ["git", "grep", "-n", "shared/spec"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    offenders = [line for line in completed.stdout.splitlines() if not line.startswith("tests/pytest/test_readme.py")]
    assert not offenders, offenders
    footer = (PROJECT_ROOT / "token_ledger" / "report" / "report.html.j2").read_text().split("<footer>", 1)[1]
    assert "docs/metrics.md" in footer and (PROJECT_ROOT / "docs" / "metrics.md").exists()
