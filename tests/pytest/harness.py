"""Build the dbt project on a landing directory of the test's choosing, then read its marts.

Every build gets its own copy of the project (``<tmp_path>/project``) and its own DuckDB file
(``<tmp_path>/warehouse.duckdb``), so builds never share ``target/``, partial-parse state or a
database. dbt runs in a subprocess (``<venv>/bin/dbt``, next to ``sys.executable``) by default.

Why not ``dbtRunner`` in this process (measured on the money fixture, 2 cores): repeated in-process
invocations do work, but only after closing dbt-duckdb's process-wide cached DuckDB environment
(``DuckDBConnectionManager._ENV``, a private attribute): without that, the build keeps the database
file open and ``duckdb.connect(path, read_only=True)`` fails with "Can't open a connection to same
database file with a different configuration". In-process builds took 15-19 s, subprocess builds
20-25 s (the difference is dbt's import and start-up); a build per fixture per session makes that
a few seconds per session, bought with no shared flags, no private API and no dbt log on stdout.
``TOKEN_LEDGER_DBT_MODE=inprocess`` switches to dbtRunner (``Build.result`` is then the
dbtRunnerResult; in subprocess mode it is the CompletedProcess).

Typical use::

    money = fixture_dir("money")
    build = build_project(money / "landing", tmp_path, seeds_dir=money / "seeds")
    require_success(build)
    rows = build.query("select * from marts.fct_model_calls")
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = PROJECT_ROOT / "tests" / "fixtures"

# What a build copies: the dbt project and nothing else (no target/, logs/, data/, .venv/).
PROJECT_FILES = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "package-lock.yml",
    "selectors.yml",
)
PROJECT_DIRS = ("models", "macros", "seeds", "analyses", "snapshots", "dbt_packages")
# tests/ holds the dbt tests (tests/dbt: generic/, money/, ...) next to Python test code and fixtures.
NON_DBT_TEST_DIRS = ("pytest", "fixtures")
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "target", "logs")

# The run's day every test build pins (var run_date): after every fixture's data, so nothing is "future".
RUN_DATE = "2026-12-31"

# "subprocess" (default) or "inprocess" (dbtRunner in this process; kept for measurements).
DBT_MODE = os.environ.get("TOKEN_LEDGER_DBT_MODE", "subprocess")
DBT_TIMEOUT_SECONDS = int(os.environ.get("TOKEN_LEDGER_DBT_TIMEOUT", "900"))


@dataclass(frozen=True)
class NodeResult:
    """One node of run_results.json: a model, seed, data test or unit test."""

    unique_id: str
    resource_type: str
    name: str
    status: str
    failures: int | None
    message: str | None
    relation: str | None

    @property
    def ok(self) -> bool:
        return self.status in ("success", "pass")


@dataclass
class Build:
    """The outcome of one ``dbt build``: success, per-node results, and read access to the warehouse."""

    project_dir: Path
    database_path: Path
    landing_dir: Path
    args: list[str]
    success: bool
    exit_code: int
    seconds: float
    output: str
    #: the dbtRunnerResult (in-process mode) or the CompletedProcess (subprocess mode)
    result: Any = None
    #: unique_id → NodeResult, from target/run_results.json
    nodes: dict[str, NodeResult] = field(default_factory=dict)

    # ---- per-node status -------------------------------------------------------------------
    @property
    def statuses(self) -> dict[str, str]:
        """Node name → status (``success``/``error``/``skipped`` for models and seeds;
        ``pass``/``warn``/``fail``/``error``/``skipped`` for tests)."""
        return {node.name: node.status for node in self.nodes.values()}

    @property
    def failures(self) -> dict[str, int | None]:
        """Test name → failures count (rows returned by the test)."""
        return {node.name: node.failures for node in self.nodes.values() if node.resource_type in ("test", "unit_test")}

    def node(self, name: str) -> NodeResult:
        """The node called ``name`` (a model, seed or test name, or a full unique_id)."""
        if name in self.nodes:
            return self.nodes[name]
        matches = [node for node in self.nodes.values() if node.name == name]
        if len(matches) != 1:
            known = ", ".join(sorted(node.name for node in self.nodes.values())[:50])
            raise KeyError(f"{len(matches)} nodes named {name!r} in this build (some: {known})")
        return matches[0]

    def not_ok(
        self,
        resource_types: Sequence[str] = (
            "model",
            "seed",
            "test",
            "unit_test",
            "snapshot",
        ),
    ) -> list[NodeResult]:
        return [n for n in self.nodes.values() if n.resource_type in resource_types and not n.ok]

    def warned(self) -> list[NodeResult]:
        return [n for n in self.nodes.values() if n.status == "warn"]

    def error_text(self, limit: int = 12_000) -> str:
        """What went wrong, in dbt's words: every node that did not succeed, with its message, and
        the tail of dbt's output (a parse or on-run-start error has no node)."""
        lines = [f"dbt build {'succeeded' if self.success else 'FAILED'} (exit {self.exit_code}) on {self.landing_dir}"]
        for node in sorted(self.not_ok(), key=lambda n: (n.status != "error", n.unique_id)):
            if node.status in ("warn",):
                continue
            failures = f", failures={node.failures}" if node.failures else ""
            lines.append(f"- {node.status}: {node.unique_id}{failures}: {(node.message or '').strip()}")
        tail = self.output[-limit:]
        lines.append("---- dbt output (tail) ----")
        lines.append(tail)
        return "\n".join(lines)

    # ---- reading the warehouse ---------------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = duckdb.connect(str(self.database_path), read_only=True)
        try:
            yield connection
        finally:
            connection.close()

    def query(self, sql: str, parameters: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Rows of ``sql`` as dicts (column name → Python value), read-only."""
        with self.connect() as connection:
            cursor = connection.execute(sql, parameters or [])
            columns = [description[0] for description in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        """The single value of ``sql`` (first column of the only row)."""
        rows = self.query(sql, parameters)
        if len(rows) != 1:
            raise AssertionError(f"expected one row, got {len(rows)}: {sql}")
        return next(iter(rows[0].values()))

    def relation_exists(self, schema: str, name: str) -> bool:
        return bool(
            self.scalar(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, name],
            )
        )


def copy_project(destination: Path, seeds_dir: Path | None = None) -> Path:
    """Copy the dbt project into ``destination`` (created); replace seeds/*.csv by ``seeds_dir``'s CSVs."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        if (PROJECT_ROOT / name).is_file():
            shutil.copy2(PROJECT_ROOT / name, destination / name)
    for name in PROJECT_DIRS:
        if (PROJECT_ROOT / name).is_dir():
            shutil.copytree(PROJECT_ROOT / name, destination / name, ignore=COPY_IGNORE)
    tests_dir = PROJECT_ROOT / "tests"
    if tests_dir.is_dir():
        for child in tests_dir.iterdir():
            if child.name in NON_DBT_TEST_DIRS or child.name in ("__pycache__",):
                continue
            if child.is_dir():
                shutil.copytree(child, destination / "tests" / child.name, ignore=COPY_IGNORE)
            elif child.suffix in (".sql", ".yml", ".yaml"):
                (destination / "tests").mkdir(exist_ok=True)
                shutil.copy2(child, destination / "tests" / child.name)
    if seeds_dir is not None:
        seeds_dir = Path(seeds_dir)
        if not seeds_dir.is_dir():
            raise FileNotFoundError(f"seeds_dir {seeds_dir} is not a directory")
        for csv_file in (destination / "seeds").glob("*.csv"):
            csv_file.unlink()
        for csv_file in seeds_dir.glob("*.csv"):
            shutil.copy2(csv_file, destination / "seeds" / csv_file.name)
    return destination


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise RuntimeError("no dbt executable next to the Python interpreter or on PATH")
    return found


def dbt_environment(project: Path | None = None, database: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a dbt subprocess a test starts: this process's variables without its DBT_* ones
    (a developer's DBT_TARGET or DBT_DUCKDB_PATH must not reach the copy), no usage stats, partial parse or
    colours; dbt pointed at ``project`` and its own profiles when given, at the DuckDB file ``database``
    when given; ``extra`` adds or overrides (``DBT_PARTIAL_PARSE="true"``)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DBT_")}
    environment.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PARTIAL_PARSE="false",
        DBT_USE_COLORS="false",
    )
    if project is not None:
        environment.update(DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(project))
    if database is not None:
        environment.update(DBT_DUCKDB_PATH=str(database))
    environment.update(extra)
    return environment


def _yaml_inline(value: Any) -> str:
    # JSON is valid YAML: dbt's --vars accepts it, and paths with spaces or colons stay intact.
    return json.dumps(value)


def build_project(
    landing_dir: Path | str,
    tmp_path: Path | str,
    seeds_dir: Path | str | None = None,
    select: str | Sequence[str] | None = None,
    extra_vars: Mapping[str, Any] | None = None,
    command: str = "build",
    extra_args: Sequence[str] = (),
    fresh: bool = True,
    environment: Mapping[str, str] | None = None,
    before_run: Callable[[Path], None] | None = None,
) -> Build:
    """Copy the project into ``tmp_path/project`` and ``dbt build`` it on ``landing_dir`` into
    ``tmp_path/warehouse.duckdb``. Never raises on a failed build: check ``.success`` (or call
    :func:`require_success`). ``fresh=False`` keeps the warehouse of an earlier build in ``tmp_path``
    (an incremental run on top of it). ``environment`` adds or overrides dbt's variables (another target:
    ``{"DBT_TARGET": "postgres", ...}``; the landing must then be in that warehouse's raw schema).
    ``before_run(project_dir)`` may change the copy before dbt runs (a test injecting a failure)."""
    landing_dir = Path(landing_dir).resolve()
    tmp_path = Path(tmp_path).resolve()
    if not landing_dir.is_dir():
        raise FileNotFoundError(f"landing directory {landing_dir} does not exist")
    project_dir = tmp_path / "project"
    if project_dir.exists():
        shutil.rmtree(project_dir)
    copy_project(project_dir, Path(seeds_dir).resolve() if seeds_dir is not None else None)
    if before_run is not None:
        before_run(project_dir)
    database_path = tmp_path / "warehouse.duckdb"
    for stale in (database_path, database_path.with_name(database_path.name + ".wal")):
        if fresh and stale.exists():
            stale.unlink()

    # the run's day is pinned (macros/run_date.sql): the same fixture builds the same on any day
    dbt_vars = {"raw_dir": str(landing_dir), "run_date": RUN_DATE, **(extra_vars or {})}
    args = [command, "--vars", _yaml_inline(dbt_vars)]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else list(select))]
    args += [
        *extra_args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
    ]
    environment = {
        "DBT_PROJECT_DIR": str(project_dir),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_DUCKDB_PATH": str(database_path),
        "DBT_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "false",
        "DBT_USE_COLORS": "false",
        "DBT_LOG_PATH": str(project_dir / "logs"),
        "DBT_TARGET_PATH": str(project_dir / "target"),
        **(environment or {}),
    }

    started = time.monotonic()
    if DBT_MODE == "inprocess":
        success, exit_code, output, result = _invoke_in_process(args, environment)
    else:
        success, exit_code, output, result = _invoke_subprocess(args, environment, project_dir)
    seconds = time.monotonic() - started

    return Build(
        project_dir=project_dir,
        database_path=database_path,
        landing_dir=landing_dir,
        args=args,
        success=success,
        exit_code=exit_code,
        seconds=seconds,
        output=output,
        result=result,
        nodes=_read_run_results(project_dir / "target" / "run_results.json"),
    )


def _invoke_subprocess(args: list[str], environment: Mapping[str, str], cwd: Path) -> tuple[bool, int, str, Any]:
    env = {**os.environ, **environment}
    completed = subprocess.run(
        [_dbt_executable(), "--no-use-colors", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
        check=False,
    )
    output = completed.stdout + ("\n" + completed.stderr if completed.stderr else "")
    return completed.returncode == 0, completed.returncode, output, completed


def _invoke_in_process(args: list[str], environment: Mapping[str, str]) -> tuple[bool, int, str, Any]:
    from dbt.cli.main import dbtRunner  # dbt is slow to import; only this mode needs it

    captured: list[str] = []

    def collect(event: Any) -> None:
        try:
            captured.append(event.info.msg)
        except AttributeError:  # pragma: no cover - every dbt event has info.msg
            captured.append(str(event))

    with patched_environ(environment):
        result = dbtRunner(callbacks=[collect]).invoke(args)
        _release_duckdb_environment()
    output = "\n".join(str(line) for line in captured)
    if result.exception is not None:
        output += f"\n{type(result.exception).__name__}: {result.exception}"
    exit_code = 0 if result.success else (2 if result.exception is not None else 1)
    return bool(result.success), exit_code, output, result


def _release_duckdb_environment() -> None:
    """dbt-duckdb caches one DuckDB environment per process (holding the database file open); close
    it so the file can be opened read-only and the next build starts clean."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover
        return
    environment = DuckDBConnectionManager._ENV  # no public API for this
    if environment is not None:
        try:
            environment.close()
        finally:
            DuckDBConnectionManager._ENV = None


def _read_run_results(path: Path) -> dict[str, NodeResult]:
    if not path.exists():
        return {}
    payload = json.loads(path.read_text())
    nodes: dict[str, NodeResult] = {}
    for item in payload.get("results", []):
        unique_id = item["unique_id"]
        parts = unique_id.split(".")
        resource_type = parts[0]
        name = parts[2] if len(parts) > 2 else unique_id
        if resource_type == "unit_test" and len(parts) > 3:
            name = f"{parts[2]}.{parts[3]}"
        nodes[unique_id] = NodeResult(
            unique_id=unique_id,
            resource_type=resource_type,
            name=name,
            status=item.get("status", ""),
            failures=item.get("failures"),
            message=item.get("message"),
            relation=item.get("relation_name"),
        )
    return nodes


def require_success(build: Build, nodes: Sequence[str] | None = None) -> None:
    """Fail the calling test with dbt's own error text when the build (or, given ``nodes``, one of
    the named models/tests) did not succeed."""
    __tracebackhide__ = True
    if nodes is None:
        if not build.success:
            pytest.fail(build.error_text(), pytrace=False)
        return
    missing = []
    for name in nodes:
        try:
            node = build.node(name)
        except KeyError:
            missing.append(f"- {name}: not in run_results (not selected, or the run stopped before it)")
            continue
        if not node.ok:
            missing.append(f"- {name}: {node.status}: {(node.message or '').strip()}")
    if missing:
        pytest.fail(
            "\n".join(
                [
                    "required dbt nodes did not succeed:",
                    *missing,
                    "",
                    build.error_text(),
                ]
            ),
            pytrace=False,
        )


def fixture_dir(name: str) -> Path:
    """tests/fixtures/<name>: holds landing/ and, optionally, seeds/."""
    path = FIXTURES_DIR / name
    if not (path / "landing").is_dir():
        raise FileNotFoundError(f"fixture {name!r}: no directory {path / 'landing'}")
    return path
