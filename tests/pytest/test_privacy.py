"""Privacy: prompt, completion, tool payload and user-id text in span attributes never leaves the raw and
staging layers, and the dbt profile takes its credentials only from the environment.

tests/fixtures/privacy/landing holds one run whose spans carry a unique canary string in each of
``gen_ai.input.messages``, ``gen_ai.output.messages`` (structured and as JSON strings),
``gen_ai.system_instructions``, ``gen_ai.tool.call.arguments``, ``gen_ai.tool.call.result``,
``user.id`` and ``enduser.id``, in two resource attributes, and inside a row whose attributes are not
valid JSON (quarantined); and a run written as OTLP JSON (otlp_traces/) with canaries under the keys real
instrumentations use (``gen_ai.prompt.*``, ``gen_ai.completion.*``, ``llm.prompts.*``,
``gen_ai.tool.call.*``, the message keys, a key-value list) and in span events (a user message, an
exception); tests/fixtures/privacy/canaries.json lists them. The real instrumentations' own output
(tests/fixtures/real_traces, with CANARY-... text in prompts, completions, tool calls and events) is
searched the same way. The project is built on it
(with the repository's seeds, and with ``--store-failures`` so that the data tests' failure tables exist
and are searched too); then every column that can hold text, of every relation outside the ``raw`` and
``staging`` schemas, found through information_schema (not a hard-coded list), is searched for any
canary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pytest
import yaml
from harness import PROJECT_ROOT, Build, build_project, fixture_dir, require_success

FIXTURE = fixture_dir("privacy")
CANARIES: dict[str, str] = json.loads((FIXTURE / "canaries.json").read_text())
MARK = "zq7canary"  # every canary starts with it: one search finds any of them, even cut short
# Where attribute text may live (landing.md: raw tables; base_otel__spans parses them in staging).
ALLOWED_SCHEMAS = {"raw", "staging"}
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog"}
# Column types that cannot hold a string; every other type (VARCHAR, JSON, STRUCT, LIST, MAP, ...) is searched.
NON_TEXT_TYPE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE"
    r"|DECIMAL\(.*\)|BOOLEAN|DATE|TIME.*|TIMESTAMP.*|INTERVAL|UUID)$"
)
BUILD_ARGS = ("--exclude-resource-type", "unit_test", "--store-failures")


@pytest.fixture(scope="module")
def privacy(tmp_path_factory: pytest.TempPathFactory) -> Build:
    build = build_project(FIXTURE / "landing", tmp_path_factory.mktemp("privacy"), extra_args=BUILD_ARGS)
    require_success(build)
    return build


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None) -> list[dict]:
    cursor = connection.execute(sql, parameters or [])
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _text_columns(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[str]]:
    """(schema, relation) → its text-capable columns, for every relation of the warehouse."""
    relations: dict[tuple[str, str], list[str]] = {
        (row["table_schema"], row["table_name"]): []
        for row in _rows(
            connection,
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()",
        )
    }
    for row in _rows(
        connection,
        """
        select table_schema, table_name, column_name, data_type from information_schema.columns
        where table_catalog = current_database() order by table_schema, table_name, ordinal_position
        """,
    ):
        if not NON_TEXT_TYPE.match(row["data_type"].upper()):
            relations.setdefault((row["table_schema"], row["table_name"]), []).append(row["column_name"])
    return relations


def _hits(connection: duckdb.DuckDBPyConnection, schema: str, relation: str, columns: list[str]) -> list[str]:
    """`relation.column: canary label` for each canary found in a column of the relation."""
    if not columns:
        return []
    name = f"{_quote(schema)}.{_quote(relation)}"
    tests = ", ".join(
        f"count(case when lower(cast({_quote(c)} as varchar)) like '%{MARK}%' then 1 end) as {_quote(c)}"
        for c in columns
    )
    hits = []
    for column, count in _rows(connection, f"select {tests} from {name}")[0].items():
        if not count:
            continue
        found = [
            label
            for label, canary in CANARIES.items()
            if connection.execute(
                f"select count(*) from {name} where cast({_quote(column)} as varchar) like ?", [f"%{canary}%"]
            ).fetchone()[0]
        ]
        hits += [f"{schema}.{relation}.{column}: {label}" for label in found or ["(a cut-off canary)"]]
    return hits


def _scan(build: Build, schemas: Callable[[str], bool]) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
    """Search every text-capable column of every relation in the chosen schemas: (relations, hits)."""
    with build.connect() as connection:
        relations = {key: cols for key, cols in _text_columns(connection).items() if schemas(key[0])}
        hits = [
            hit for (schema, rel), cols in sorted(relations.items()) for hit in _hits(connection, schema, rel, cols)
        ]
    return relations, hits


def test_every_canary_is_in_the_raw_landing_table(privacy: Build) -> None:
    """Positive control: the canaries did reach the warehouse (raw.otel_spans), so finding none later
    means they were kept out, not that they never arrived; and the run itself flowed into the marts."""
    otlp_file = (FIXTURE / "landing" / "otlp_traces" / "otlp_canaries.jsonl").read_text()
    # span events and key-value lists are never read: their canaries are in the file, in no relation
    unread = {label for label in CANARIES if label.startswith(("OTLP event", "OTLP kvlist"))}
    missing = [
        label
        for label, canary in CANARIES.items()
        if not privacy.scalar(
            "select count(*) from raw.otel_spans where attributes like ? or resource_attributes like ?",
            [f"%{canary}%", f"%{canary}%"],
        )
        and not privacy.scalar(
            "select count(*) from raw.otlp_spans where cast(attribute_values as varchar) like ?", [f"%{canary}%"]
        )
        and not (label in unread and canary in otlp_file)
    ]
    assert not missing, f"canaries absent from the landing data: {missing}"
    # the search used below finds every one of them where they are
    with privacy.connect() as connection:
        columns = _text_columns(connection)
        hits = _hits(connection, "raw", "otel_spans", columns[("raw", "otel_spans")])
        hits += _hits(connection, "raw", "otlp_spans", columns[("raw", "otlp_spans")])
    assert {hit.split(": ", 1)[1] for hit in hits} == set(CANARIES) - unread
    assert privacy.scalar("select count(*) from marts.fct_model_calls") == 3
    assert privacy.scalar("select tool_calls from marts.fct_runs where work_item_id = 'TK-P1'") == 1
    reasons = [r["quarantine_reason"] for r in privacy.query("select * from marts.fct_quarantined_rows")]
    assert reasons == ["invalid json attributes"]


def test_no_canary_outside_raw_and_staging(privacy: Build) -> None:
    scanned, leaks = _scan(privacy, lambda schema: schema not in ALLOWED_SCHEMAS | SYSTEM_SCHEMAS)
    schemas = {schema for schema, _ in scanned}
    # the search is not vacuous: every layer after staging, and the data tests' failure tables, are there
    assert {"intermediate", "marts", "reference"} <= schemas, schemas
    assert any(schema.endswith("dbt_test__audit") for schema in schemas), schemas
    assert sum(len(columns) for columns in scanned.values()) > 100
    assert not leaks, "attribute text outside raw/staging:\n" + "\n".join(leaks)


def test_staging_keeps_attribute_text_out_of_every_model(privacy: Build) -> None:
    """README: span JSON is parsed once in base_otel__spans into typed columns for the keys the project
    reads; prompts, completions, tool payloads and user ids never leave that model. No staging relation
    (that one included: it holds only the parsed keys) carries a canary either."""
    scanned, leaks = _scan(privacy, lambda schema: schema == "staging")
    assert ("staging", "base_otel__spans") in scanned
    assert not leaks, "attribute text in staging:\n" + "\n".join(leaks)


def test_real_instrumentations_content_stays_in_raw(fixture_build) -> None:
    """The real producers' spans (tests/fixtures/real_traces: capture of content switched on) carry
    CANARY-PROMPT-, CANARY-SYSTEM-, CANARY-TOOL- and CANARY-COMPLETION- text in their prompts,
    completions, tool arguments and results (gen_ai.input.messages, llm.input_messages.*, input.value,
    gen_ai.tool.definitions, ...) and in exception events: none of it outside raw."""
    build = fixture_build("real_traces")
    require_success(build)
    with build.connect() as connection:
        relations = _text_columns(connection)
        raw_hits = connection.execute(
            "select count(*) from raw.otlp_spans where cast(attribute_values as varchar) like '%CANARY-%'"
        ).fetchone()[0]
        assert raw_hits > 100, "positive control: the real spans carry the canaries"
        leaks = []
        for (schema, relation), columns in sorted(relations.items()):
            if schema in {"raw"} | SYSTEM_SCHEMAS:
                continue
            for column in columns:
                name = f"{_quote(schema)}.{_quote(relation)}"
                found = connection.execute(
                    f"select count(*) from {name} where cast({_quote(column)} as varchar) like '%CANARY-%'"
                ).fetchone()[0]
                if found:
                    leaks.append(f"{schema}.{relation}.{column}: {found}")
    assert {schema for schema, _ in relations} >= {"staging", "intermediate", "marts"}
    assert not leaks, "real instrumentations' content outside raw:\n" + "\n".join(leaks)


# ---------------------------------------------------------------------------------------------
# profiles.yml

CREDENTIAL_KEY = re.compile(
    r"(pass(word)?|user(name)?|host|token|secret|private_key|api_key|access_key|keyfile|credentials?)", re.I
)
SECRET_KEY = re.compile(r"(pass(word)?|token|secret|private_key|api_key|access_key|keyfile|credentials?)", re.I)
# a whole value that is one env_var() call, optionally with a default and a filter: {{ env_var('X', '') | int }}
ENV_VAR_EXPRESSION = re.compile(
    r"""^\s*\{\{\s*env_var\(\s*(['"])(?P<name>[A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(?P<default>.*?))?\s*\)"""
    r"""\s*(?:\|\s*\w+\s*)*\}\}\s*$""",
    re.S,
)


def _credential_values(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if CREDENTIAL_KEY.search(str(key)) and not isinstance(value, dict | list):
                yield (*path, str(key)), str(key), value
            yield from _credential_values(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _credential_values(value, (*path, str(index)))


PROFILES = yaml.safe_load((PROJECT_ROOT / "profiles.yml").read_text())
OUTPUTS = {
    f"{name}.{output}": config
    for name, profile in PROFILES.items()
    if isinstance(profile, dict)
    for output, config in profile.get("outputs", {}).items()
}
# Findings: output → why its check fails today. strict: once fixed, the xfail turns into a failure, and
# the entry goes.
KNOWN_VIOLATIONS: dict[str, str] = {}


def _credential_problems(config: Any, where: str) -> list[str]:
    problems = []
    for path, key, value in _credential_values(config, (where,)):
        location = ".".join(path)
        match = ENV_VAR_EXPRESSION.match(value) if isinstance(value, str) else None
        if not match:
            problems.append(f"{location}: {value!r} is not an env_var() expression")
            continue
        default = (match.group("default") or "").strip()
        if SECRET_KEY.search(key) and default not in ("", "''", '""'):
            problems.append(f"{location}: secret with a literal default {default}")
    return problems


@pytest.mark.parametrize(
    "output",
    [
        pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_VIOLATIONS[name])])
        if name in KNOWN_VIOLATIONS
        else name
        for name in OUTPUTS
    ],
)
def test_profiles_take_credentials_only_from_env_var(output: str) -> None:
    """Every password/user/host/token-like key of a profiles.yml output is an env_var() expression, and a
    secret (password, token, key, ...) has no literal default."""
    config = OUTPUTS[output]
    problems = _credential_problems(config, output)
    assert not problems, "\n".join(problems)
    if config.get("type") == "postgres":  # not vacuous: a server target names its credentials
        assert {"host", "user", "password"} <= {key for _, key, _ in _credential_values(config)}


def test_profiles_top_level_values_come_from_env_var() -> None:
    """Outside the outputs (e.g. the target), nothing credential-like is written literally either."""
    rest = {name: {k: v for k, v in profile.items() if k != "outputs"} for name, profile in PROFILES.items()}
    assert not _credential_problems(rest, "profiles")


def test_credential_check_rejects_literals() -> None:
    """The check itself: a literal password or host, a literal default for a secret, and a partial
    expression fail; env_var() with a default for a non-secret, or none for a secret, passes."""
    outputs = {
        "a": {"password": "hunter2"},
        "b": {"password": "{{ env_var('PW', 'hunter2') }}"},
        "c": {"host": "db.example.com"},
        "d": {"token": "x{{ env_var('T') }}"},
        "e": {"settings": {"user": "analyst"}},
        "f": {"user": "{{ env_var('U', 'analyst') }}", "password": "{{ env_var('PW') }}", "port": 5432},
        "g": {"host": "{{ env_var('H', '127.0.0.1') }}", "token": "{{ env_var('T', '') | trim }}"},
    }
    verdicts = {name: not _credential_problems(config, name) for name, config in outputs.items()}
    assert verdicts == {"a": False, "b": False, "c": False, "d": False, "e": False, "f": True, "g": True}
