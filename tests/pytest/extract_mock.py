"""A local stand-in for the providers' Admin APIs (pytest-httpserver on 127.0.0.1), shared by the extractor tests.

``MockApi.pages(path, [body, body, ...])`` serves a paginated list: body *i* links to body *i + 1* through
``has_more``/``next_page`` (cursor ``page_<i+1>``); ``MockApi.raw(path, {cursor: body})`` serves bodies
as they are (the providers' published examples keep their own cursors). ``fail_first`` answers the first
requests of a path with an error status; ``broken[(path, cursor)] = status`` fails one page every time.
Every request is recorded (path, query, headers).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "real_bills" / "sources"
KEY = "sk-admin-TEST-do-not-print-4f1c9a"  # OPENAI_ADMIN_KEY in the tests
ANTHROPIC_KEY = "sk-ant-admin01-TEST-do-not-print-77aa"


def example(name: str) -> dict[str, Any]:
    """A provider's published example body (tests/fixtures/real_bills/sources)."""
    return json.loads((SOURCES / name).read_text())


def epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def openai_bucket(day: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    start = epoch(day)
    return {"object": "bucket", "start_time": start, "end_time": start + 86400, "results": results}


def anthropic_bucket(day: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    following = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    return {"starting_at": f"{day}T00:00:00Z", "ending_at": f"{following}T00:00:00Z", "results": results}


def openai_cost(line_item: str, value: Any, project: str | None = "proj_a", currency: str = "usd", **extra: Any):
    return {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": currency},
        "line_item": line_item,
        "project_id": project,
        **extra,
    }


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class MockApi:
    server: HTTPServer
    requests: list[Seen] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    broken: dict[tuple[str, str | None], int] = field(default_factory=dict)  # (path, page cursor) -> status

    def url(self, suffix: str = "") -> str:
        return self.server.url_for(suffix).rstrip("/")

    def _record(self, request: Request) -> Response | None:
        self.requests.append(Seen(request.path, request.args.to_dict(flat=False), dict(request.headers)))
        status = self.broken.get((request.path, request.args.get("page")))
        if status:
            return Response("upstream down", status=status)
        pending = self.failures.get(request.path)
        if pending:
            status, headers = pending.pop(0)
            return Response(json.dumps({"error": {"message": "try later"}}), status=status, headers=headers)
        return None

    def pages(self, path: str, bodies: Sequence[dict[str, Any]]) -> None:
        def handler(request: Request) -> Response:
            failed = self._record(request)
            if failed is not None:
                return failed
            cursor = request.args.get("page")
            index = int(cursor.removeprefix("page_")) if cursor else 0
            more = index + 1 < len(bodies)
            body = {
                "object": "page",
                **bodies[index],
                "has_more": more,
                "next_page": f"page_{index + 1}" if more else None,
            }
            return Response(json.dumps(body), content_type="application/json")

        self.server.expect_request(path, method="GET").respond_with_handler(handler)

    def raw(self, path: str, by_cursor: dict[str | None, dict[str, Any]]) -> None:
        def handler(request: Request) -> Response:
            failed = self._record(request)
            if failed is not None:
                return failed
            return Response(json.dumps(by_cursor[request.args.get("page")]), content_type="application/json")

        self.server.expect_request(path, method="GET").respond_with_handler(handler)

    def fail_first(self, path: str, *answers: tuple[int, dict[str, str]]) -> None:
        self.failures.setdefault(path, []).extend(answers)

    def seen(self, path: str) -> list[Seen]:
        return [request for request in self.requests if request.path == path]


def openai_day(day: str, items: dict[str, float]) -> dict[str, Any]:
    """A costs bucket of one day: line item -> amount, organization org-abc."""
    return openai_bucket(day, [openai_cost(item, value, organization_id="org-abc") for item, value in items.items()])


def extract(capsys, *args: str) -> tuple[int, str, str]:
    """``token-ledger extract ARGS --no-progress`` in this process: (exit code, stdout, stderr)."""
    from token_ledger import cli

    code = cli.main(["extract", *args, "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A landing CSV: (header, rows)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)
