"""OTLP JSON trace files flattened into otel_spans rows, for warehouses that do not read them as they are.

DuckDB reads ``<landing>/otlp_traces/*.json|*.jsonl`` (and the same gzip-compressed) itself
(macros/landing/otlp_traces.sql). PostgreSQL and Spark read tables, so the loader flattens the same files
into ``otel_spans`` rows that the models read exactly as DuckDB reads the files:

- one row per span, with the text DuckDB gives every field: ids as lower-case hex (base64 ids, as
  protobuf's JSON mapping writes them, converted), times as the decimal strings OTLP writes, the status
  as ``STATUS_CODE_*``, the kind (``client``, ...), the scope's name and version;
- attributes and resource attributes as a JSON object of text values (a string as it is, an int64 as its
  digits, a double as Python writes it, a boolean as true/false; arrays and key-value lists left out, as
  DuckDB leaves them); span events are dropped (prompts some instrumentations put there never reach the
  warehouse);
- where the span is: ``_landing_file`` (relative to the landing directory), ``_landing_row`` (the line of
  the file, from 1) and ``_landing_span`` (resource.scope.span position in that line); a line that is not
  readable TracesData JSON is one row with ``_landing_unreadable`` true, quarantined by the models as on
  DuckDB.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

DIRECTORY = "otlp_traces"
PATTERNS = ("*.json", "*.jsonl", "*.json.gz", "*.jsonl.gz")
COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "start_time_unix_nano",
    "end_time_unix_nano",
    "status_code",
    "attributes",
    "resource_attributes",
    "scope_name",
    "scope_version",
    "span_kind",
    "_landing_file",
    "_landing_row",
    "_landing_span",
    "_landing_unreadable",
)
STATUS = {
    "1": "STATUS_CODE_OK",
    "STATUS_CODE_OK": "STATUS_CODE_OK",
    "2": "STATUS_CODE_ERROR",
    "STATUS_CODE_ERROR": "STATUS_CODE_ERROR",
}
HEX = re.compile(r"^[0-9a-fA-F]+$")
KINDS = {
    str(number): name for number, name in enumerate(("internal", "server", "client", "producer", "consumer"), start=1)
}
KINDS.update({f"SPAN_KIND_{name.upper()}": name for name in list(KINDS.values())})


def trace_files(landing_dir: Path) -> list[Path]:
    """The OTLP JSON files of a landing directory, in the order DuckDB's glob lists them."""
    directory = landing_dir / DIRECTORY
    if not directory.is_dir():
        return []
    found: set[Path] = set()
    for pattern in PATTERNS:
        found.update(path for path in directory.glob(pattern) if path.is_file())
    return sorted(found)


def hex_id(value: object, length: int) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) == length and HEX.match(text):
        return text.lower()
    try:
        return base64.b64decode(text, validate=True).hex()
    except (binascii.Error, ValueError):
        return text


def value_text(value: dict | None) -> str | None:
    """An OTLP AnyValue as the text DuckDB's reading gives it (None for arrays, lists, bytes, empty)."""
    if not isinstance(value, dict):
        return None
    if value.get("stringValue") is not None:
        return str(value["stringValue"])
    if value.get("intValue") is not None:
        return str(value["intValue"])
    if value.get("doubleValue") is not None:
        return repr(float(value["doubleValue"]))
    if value.get("boolValue") is not None:
        return "true" if value["boolValue"] else "false"
    return None


def attributes_json(attributes: list | None) -> str:
    """Key-value attributes as a JSON object of text values; the first of a repeated key wins."""
    values: dict[str, str] = {}
    for attribute in attributes or []:
        key = attribute.get("key") if isinstance(attribute, dict) else None
        if key is None or key in values:
            continue
        text = value_text(attribute.get("value"))
        if text is not None:
            values[key] = text
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        yield from handle


def span_rows(landing_dir: Path) -> Iterator[dict[str, str | None]]:
    """Every span of every OTLP file, as an otel_spans row (COLUMNS), plus a row per unreadable line."""
    for path in trace_files(landing_dir):
        relative = path.relative_to(landing_dir).as_posix()
        for number, line in enumerate(_lines(path), start=1):
            if not line.strip():
                continue
            location = {"_landing_file": relative, "_landing_row": str(number)}
            try:
                document = json.loads(line)
                resources = document["resourceSpans"]
                if not isinstance(resources, list):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                yield {**dict.fromkeys(COLUMNS), **location, "_landing_unreadable": "true"}
                continue
            for r, resource in enumerate(resources, start=1):
                resource_attributes = attributes_json((resource.get("resource") or {}).get("attributes"))
                for s, scope_spans in enumerate(resource.get("scopeSpans") or [], start=1):
                    scope = scope_spans.get("scope") or {}
                    for p, span in enumerate(scope_spans.get("spans") or [], start=1):
                        status = str((span.get("status") or {}).get("code", "")).upper()
                        yield {
                            "trace_id": hex_id(span.get("traceId"), 32),
                            "span_id": hex_id(span.get("spanId"), 16),
                            "parent_span_id": hex_id(span.get("parentSpanId"), 16),
                            "name": span.get("name"),
                            "start_time_unix_nano": _text(span.get("startTimeUnixNano")),
                            "end_time_unix_nano": _text(span.get("endTimeUnixNano")),
                            "status_code": STATUS.get(status, "STATUS_CODE_UNSET"),
                            "attributes": attributes_json(span.get("attributes")),
                            "resource_attributes": resource_attributes,
                            "scope_name": scope.get("name"),
                            "scope_version": scope.get("version"),
                            "span_kind": _kind(span.get("kind")),
                            **location,
                            "_landing_span": f"{r}.{s}.{p}",
                            "_landing_unreadable": None,
                        }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _kind(value: object) -> str | None:
    """An OTLP span kind (an integer, or its enum name) as DuckDB's reading names it."""
    return KINDS.get(str(value).upper()) if value is not None else None
