"""Where the dbt project is: the package reads its sources YAML, seeds and benchmark query.

The package lives inside the dbt project (``token_ledger/`` beside ``dbt_project.yml``) and is
installed editable, so the project is the package's parent directory. ``TOKEN_LEDGER_PROJECT_DIR``
points elsewhere (an installed copy run against another checkout); otherwise the current directory
or one of its parents that holds ``dbt_project.yml`` is used.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_FILE = "dbt_project.yml"


def project_root() -> Path:
    """The dbt project directory (the one with dbt_project.yml)."""
    override = os.environ.get("TOKEN_LEDGER_PROJECT_DIR")
    if override:
        path = Path(override).resolve()
        if not (path / PROJECT_FILE).is_file():
            raise SystemExit(f"TOKEN_LEDGER_PROJECT_DIR={override}: no {PROJECT_FILE} there")
        return path
    beside = Path(__file__).resolve().parents[1]
    if (beside / PROJECT_FILE).is_file():
        return beside
    for candidate in (Path.cwd(), *Path.cwd().parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    raise SystemExit(f"no {PROJECT_FILE} found: run from the token_ledger project or set TOKEN_LEDGER_PROJECT_DIR")


def seeds_dir() -> Path:
    return project_root() / "seeds"
