"""A dbt-duckdb plugin (profiles.yml, target ``duckdb``) that opens the warehouse file the way a user expects.

- A relative ``path`` is taken from the dbt project directory (``--project-dir``, ``DBT_PROJECT_DIR``), not
  from the directory dbt was started in: ``dbt build --project-dir ~/token_ledger`` from anywhere opens
  ``~/token_ledger/target/token_ledger.duckdb``. dbt-duckdb alone resolves it from the working directory.
- The file's directory is created when missing (``target/`` of a fresh clone).
- A file another process holds (a second dbt run, a BI tool or notebook with it open) stops the run with
  one line naming the file and the process, instead of DuckDB's lock error and two tracebacks.

dbt-duckdb calls ``update_connection_config`` just before it connects; a RuntimeError raised there reaches
the user as dbt's "Database Error" with this one line under it, no traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def project_dir() -> Path:
    """The dbt project directory of this invocation (its --project-dir), else DBT_PROJECT_DIR, else here."""
    try:
        from dbt.flags import get_flags

        configured = getattr(get_flags(), "PROJECT_DIR", None)
    except Exception:  # pragma: no cover - flags not set outside a dbt command
        configured = None
    return Path(configured or os.environ.get("DBT_PROJECT_DIR") or ".").resolve()


def is_local_file(path: str) -> bool:
    """False for :memory: and URLs (md:, s3://, ducklake:)."""
    return path != ":memory:" and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", path)


def resolve_path(path: str) -> str:
    """A file path relative to the project directory made absolute; :memory: and URLs unchanged."""
    if not is_local_file(path):
        return path
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = project_dir() / candidate
    return str(candidate)


def lock_message(path: str, error: Exception) -> str | None:
    """One line for DuckDB's lock error, or None when the error is something else."""
    text = str(error)
    if "lock" not in text.lower():
        return None
    holder = LOCK_HOLDER.search(text)
    who = f" ({holder['program']}, PID {holder['pid']})" if holder else ""
    return (
        f"the warehouse {path} is open in another process{who}: a second dbt run, or a BI tool or notebook "
        "holding it. DuckDB allows one writer: close that session (or wait for the run) and run again."
    )


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        path = resolve_path(str(creds.path))
        if path != creds.path:
            creds.path = path
        if not is_local_file(path):
            return
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            probe = duckdb.connect(path, read_only=False)
        except duckdb.Error as error:
            message = lock_message(path, error)
            if message is None:
                raise RuntimeError(f"cannot open the warehouse {path}: {error}") from None
            raise RuntimeError(message) from None
        probe.close()
