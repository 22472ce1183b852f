"""The landing contract, read from the one place it is declared: the sources YAML.

``models/staging/*/_*__sources.yml`` lists every landing table (its ``identifier``) and its columns in
order, with ``meta``: ``required`` (a key: never empty), ``optional`` (the file may lack the column; the
Admin APIs add some only when present), ``fallback`` (an older spelling read in its place, e.g. FOCUS
``ProviderName``). The loader, the demo generator's writers and the extractors take their column lists
from here, so a column added to the YAML reaches all of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from token_ledger.paths import project_root

SOURCES_GLOB = "models/staging/*/_*__sources.yml"


@dataclass(frozen=True)
class Column:
    """One declared landing column."""

    name: str  # as declared (FOCUS names keep their case)
    data_type: str | None = None
    required: bool = False  # a key: the row is quarantined without it
    optional: bool = False  # the file may lack the column
    fallback: str | None = None  # older spelling read when the declared one is absent


@dataclass(frozen=True)
class LandingTable:
    """A landing table of the sources YAML: its identifier and declared columns, in order."""

    identifier: str
    columns: tuple[Column, ...] = field(default_factory=tuple)
    # a directory of files read as they are (meta.landing_directory: otlp_traces), not a table of its own
    directory: str | None = None
    # the table may be absent when that directory holds files (meta.may_be_absent_with)
    may_be_absent_with: str | None = None

    @property
    def names(self) -> list[str]:
        """Every declared column name, in order, as declared."""
        return [column.name for column in self.columns]

    @property
    def core_names(self) -> list[str]:
        """The columns every landing file has (declared, not optional), in order."""
        return [column.name for column in self.columns if not column.optional]

    @property
    def optional_names(self) -> list[str]:
        return [column.name for column in self.columns if column.optional]

    @property
    def fallbacks(self) -> dict[str, str]:
        """Declared column (lower case) -> older spelling (lower case)."""
        return {c.name.lower(): c.fallback.lower() for c in self.columns if c.fallback}


def _read(path: Path) -> list[tuple[str, list[Column], str | None, str | None]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for source in document.get("sources", []):
        for table in source.get("tables", []):
            columns = []
            for column in table.get("columns", []):
                meta = column.get("meta") or {}
                columns.append(
                    Column(
                        name=column["name"],
                        data_type=column.get("data_type"),
                        required=bool(meta.get("required")),
                        optional=bool(meta.get("optional")),
                        fallback=meta.get("fallback"),
                    )
                )
            meta = table.get("meta") or {}
            found.append(
                (
                    table.get("identifier") or table["name"],
                    columns,
                    meta.get("landing_directory"),
                    meta.get("may_be_absent_with"),
                )
            )
    return found


@functools.cache
def _tables(root: Path) -> dict[str, LandingTable]:
    columns: dict[str, list[Column]] = {}
    meta: dict[str, tuple[str | None, str | None]] = {}
    for path in sorted(root.glob(SOURCES_GLOB)):
        for identifier, declared, directory, absent_with in _read(path):
            columns.setdefault(identifier, []).extend(declared)
            meta[identifier] = (directory, absent_with)
    if not columns:
        raise SystemExit(f"no landing tables declared in {root / SOURCES_GLOB}")
    return {name: LandingTable(name, tuple(columns[name]), *meta[name]) for name in sorted(columns)}


def landing_tables(root: Path | None = None) -> list[LandingTable]:
    """Every landing table the project's sources declare, sorted by identifier (not the directories
    read as they are, such as otlp_traces/: see ``directory``)."""
    return [t for t in _tables((root or project_root()).resolve()).values() if t.directory is None]


def landing_table(identifier: str, root: Path | None = None) -> LandingTable:
    tables = _tables((root or project_root()).resolve())
    if identifier not in tables:
        raise KeyError(f"landing table {identifier!r} is not declared in {SOURCES_GLOB}")
    return tables[identifier]
