"""The landing contract, read from the one place it is declared: the sources YAML.

``models/staging/*/_*__sources.yml`` lists every landing table (its ``identifier``, a var whose default in
``dbt_project.yml`` is the contract's name) and its columns in
order, with ``meta``: ``required`` (a key: never empty), ``optional`` (the file may lack the column; the
Admin APIs add some only when present), ``fallback`` (another spelling read in its place: one name or a
list, e.g. FOCUS ``ProviderName``, ``x_InvoiceId``). The loader, the demo generator's writers and the
extractors take their column lists from here, so a column added to the YAML reaches all of them.

The billing exports (which landing tables are a provider's bill, their bucket column, raw key, staging
models) are declared once, in ``dbt_project.yml`` (var ``billing_exports``): ``billing_exports()`` reads
that registry for the Python (the generator, the landing cut, the extractors), as the models read it.
"""

from __future__ import annotations

import functools
import re
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
    fallbacks: tuple[str, ...] = ()  # other spellings read when the declared one is absent, in order


@dataclass(frozen=True)
class LandingTable:
    """A landing table of the sources YAML: its identifier and declared columns, in order."""

    identifier: str
    columns: tuple[Column, ...] = field(default_factory=tuple)
    # a directory of files read as they are (meta.landing_directory: otlp_traces), not a table of its own
    directory: str | None = None
    # the table may be absent when that directory holds files (meta.may_be_absent_with)
    may_be_absent_with: str | None = None
    may_be_absent: bool = False  # meta.may_be_absent: a directory without the file reads it as empty

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
    def fallbacks(self) -> dict[str, tuple[str, ...]]:
        """Declared column (lower case) -> its other spellings (lower case), in the order they are tried."""
        return {c.name.lower(): tuple(name.lower() for name in c.fallbacks) for c in self.columns if c.fallbacks}


IDENTIFIER_VAR = re.compile(r"^\{\{\s*var\('(?P<name>\w+)'\)\s*\}\}$")


def _identifier(table: dict, project_vars: dict) -> str:
    """A table's identifier: a name, or ``{{ var('<table>_identifier') }}`` (a host may rename the relation)
    read as the var's default in dbt_project.yml, the landing contract's name."""
    identifier = str(table.get("identifier") or table["name"])
    reference = IDENTIFIER_VAR.match(identifier.strip())
    if reference is None:
        return identifier
    if reference["name"] not in project_vars:
        raise SystemExit(f"var {reference['name']} (identifier of {table['name']}) is not declared in dbt_project.yml")
    return str(project_vars[reference["name"]])


@functools.cache
def _project_vars(root: Path) -> dict:
    project = root / "dbt_project.yml"
    if not project.is_file():  # a directory holding sources YAML only (no var can be referenced there)
        return {}
    document = yaml.safe_load(project.read_text(encoding="utf-8")) or {}
    return document.get("vars") or {}


def _read(path: Path, project_vars: dict) -> list[tuple[str, list[Column], str | None, str | None, bool]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for source in document.get("sources", []):
        for table in source.get("tables", []):
            columns = []
            for column in table.get("columns", []):
                meta = column.get("meta") or {}
                fallback = meta.get("fallback") or ()
                columns.append(
                    Column(
                        name=column["name"],
                        data_type=column.get("data_type"),
                        required=bool(meta.get("required")),
                        optional=bool(meta.get("optional")),
                        fallbacks=(fallback,) if isinstance(fallback, str) else tuple(fallback),
                    )
                )
            meta = table.get("meta") or {}
            found.append(
                (
                    _identifier(table, project_vars),
                    columns,
                    meta.get("landing_directory"),
                    meta.get("may_be_absent_with"),
                    bool(meta.get("may_be_absent")),
                )
            )
    return found


@functools.cache
def _tables(root: Path) -> dict[str, LandingTable]:
    columns: dict[str, list[Column]] = {}
    meta: dict[str, tuple[str | None, str | None, bool]] = {}
    for path in sorted(root.glob(SOURCES_GLOB)):
        for identifier, declared, directory, absent_with, may_be_absent in _read(path, _project_vars(root)):
            columns.setdefault(identifier, []).extend(declared)
            meta[identifier] = (directory, absent_with, may_be_absent)
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


# ---------------------------------------------------------------------------------------------
# The billing-export registry (dbt_project.yml, var billing_exports)


@dataclass(frozen=True)
class BillingExport:
    """One entry of the registry: a landing table of a provider's bill."""

    name: str  # the landing table
    kind: str  # costs | usage
    provider: str  # the project's provider; empty when each row names it (FOCUS)
    source: str  # source_name.table_name
    staging_model: str
    quarantine_model: str
    bucket_column: str  # the landing column dating a row
    bucket_format: str  # unix_seconds | iso8601
    account_column: str | None = None
    raw_key: tuple[str, ...] = ()


@functools.cache
def _billing_exports(root: Path) -> dict[str, BillingExport]:
    project = yaml.safe_load((root / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    declared = (project.get("vars") or {}).get("billing_exports") or {}
    if not declared:
        raise SystemExit(f"no billing exports declared in {root / 'dbt_project.yml'} (vars: billing_exports)")
    exports = {}
    for name, entry in declared.items():
        bucket = entry.get("bucket") or {}
        exports[name] = BillingExport(
            name=name,
            kind=entry["kind"],
            provider=entry.get("provider") or "",
            source=entry["source"],
            staging_model=entry["staging_model"],
            quarantine_model=entry["quarantine_model"],
            bucket_column=bucket["column"],
            bucket_format=bucket["format"],
            account_column=entry.get("account_column"),
            raw_key=tuple(entry.get("raw_key") or ()),
        )
    return exports


def billing_exports(root: Path | None = None, kind: str | None = None) -> list[BillingExport]:
    """The registered billing exports (optionally of one kind), in declaration order."""
    exports = _billing_exports((root or project_root()).resolve()).values()
    return [export for export in exports if kind is None or export.kind == kind]


def billing_export(name: str, root: Path | None = None) -> BillingExport:
    exports = _billing_exports((root or project_root()).resolve())
    if name not in exports:
        raise KeyError(f"{name!r} is not a billing export of dbt_project.yml (vars: billing_exports)")
    return exports[name]
