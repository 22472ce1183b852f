"""Landing files and the state of the last pull, both written atomically.

One file per landing table (``<out>/<table>.csv``), rewritten with the merged result of every pull: the
rows of the days a pull covered replace that day's earlier rows (a line item missing from the later pull
is gone), the other days' rows stay. Files are written to a temporary file in the same directory and
moved over the old one with ``os.replace``: a pull killed at any point leaves the previous file whole.
The state of the last pull (``<out>/.token_ledger_state.json``, one entry per provider) is written
last, after every landing file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from token_ledger.contract import landing_table

STATE_FILE = ".token_ledger_state.json"


def cell(value: Any) -> str:
    """A JSON value as landing text: empty for null, true/false, numbers as the API wrote them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def landing_columns(table: str) -> list[str]:
    """What an extracted landing file holds: every column the sources YAML declares, optional ones included."""
    return landing_table(table).names


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def merge(
    earlier: Iterable[dict[str, str]],
    pulled: Iterable[dict[str, str]],
    days: tuple[dt.date, dt.date],
    day_of: Callable[[dict[str, str]], dt.date | None],
) -> tuple[list[dict[str, str]], int]:
    """Earlier rows outside the pulled days (first, last inclusive), then the pulled rows; ordered by day
    (stable). Returns the rows and how many earlier rows were replaced."""
    first, last = days
    kept, replaced = [], 0
    for row in earlier:
        day = day_of(row)
        if day is not None and first <= day <= last:
            replaced += 1
        else:
            kept.append(row)
    rows = kept + list(pulled)
    rows.sort(key=lambda row: day_of(row) or dt.date.min)
    return rows, replaced


def _mode(path: Path) -> int:
    """The permissions the file has, or a new file's (mkstemp's own are 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _atomic(path: Path, mode: str = "w"):
    """A temporary file beside ``path``, moved over it only when the block ends without an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(name, _mode(path))
        with open(fd, mode, newline="", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    os.replace(name, path)


def write_rows_atomic(path: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> int:
    """Write a landing CSV (header, comma, RFC 4180 quotes) atomically; returns the rows written."""
    count = 0
    with _atomic(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", restval="", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def read_state(out: Path) -> dict[str, Any]:
    path = out / STATE_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SystemExit(f"{path} is not readable JSON ({error}): move it away to start over") from None


def write_state(out: Path, provider: str, entry: dict[str, Any]) -> None:
    state = read_state(out)
    state[provider] = entry
    with _atomic(out / STATE_FILE) as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
        handle.write("\n")
