"""Reproducible installs: the locks pin every package, agree with each other and with pyproject.toml, and
the test environment is exactly what dev.lock says (requirements/README.md)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCKS = PROJECT_ROOT / "requirements"
LOCK_NAMES = ("runtime", "dev", "postgres", "spark")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(name: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (LOCKS / f"{name}.lock").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{name}.lock: not an exact pin: {line!r}"
        pins[canonical(match.group(1))] = match.group(3)
    return pins


def declared(extra: str | None = None) -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return project["optional-dependencies"][extra] if extra else project["dependencies"]


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0])


@pytest.fixture(scope="module")
def locks() -> dict[str, dict[str, str]]:
    return {name: read_lock(name) for name in LOCK_NAMES}


def test_every_set_locks_what_it_declares(locks):
    for name in LOCK_NAMES:
        wanted = declared() + (declared(name) if name != "runtime" else [])
        missing = [r for r in wanted if requirement_name(r) not in locks[name]]
        assert missing == [], f"{name}.lock lacks {missing}: run `make lock`"
        assert "setuptools" in locks[name], "the editable install is built without isolation"


def test_exact_pins_of_pyproject_are_the_locked_versions(locks):
    for name in LOCK_NAMES:
        for requirement in declared() + (declared(name) if name != "runtime" else []):
            match = re.match(r"^([^=<>!~\[\s]+)(?:\[[^\]]*\])?==([^\s;]+)$", requirement)
            if match:
                assert locks[name][canonical(match.group(1))] == match.group(2), (name, requirement)
    assert locks["runtime"]["dbt-core"].startswith("1.11."), "dbt-core must stay below 1.12"


def test_the_locks_agree_on_every_shared_package(locks):
    for name in ("dev", "postgres", "spark"):
        assert set(locks["runtime"]) <= set(locks[name]), name
    for a in LOCK_NAMES:
        for b in LOCK_NAMES:
            shared = set(locks[a]) & set(locks[b])
            assert {p: locks[a][p] for p in shared} == {p: locks[b][p] for p in shared}, (a, b)


def test_this_environment_is_the_dev_lock(locks):
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differ = {p: (v, installed.get(p)) for p, v in locks["dev"].items() if installed.get(p) != v}
    assert differ == {}, "(locked, installed): `make test` installs requirements/dev.lock"
