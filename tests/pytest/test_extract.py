"""``token-ledger extract``: the providers' Admin APIs (a local mock on 127.0.0.1) -> landing files.

The mock serves the documented shapes (several pages, empty buckets, string amounts, nested usage
objects, 429 with retry-after, 500, 401) and the providers' own published example bodies
(tests/fixtures/real_bills/sources: the OpenAPI spec's examples for /organization/costs and
/organization/usage/completions, the Anthropic API reference's samples for the cost and usage reports and
/v1/organizations/me). Re-pulls, failures, retries and the key: test_extract_pulls.py; the end-to-end
test, mock -> extract -> dbt build -> ledger: test_extract_build.py. The fixture ``api`` is in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from extract_mock import (
    ANTHROPIC_KEY,
    KEY,
    MockApi,
    anthropic_bucket,
    epoch,
    example,
    extract,
    openai_bucket,
    openai_cost,
    read,
)

from token_ledger.contract import landing_table
from token_ledger.extract.landing import landing_columns

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def assert_rows(path: Path, table: str, expected: list[dict[str, str]]) -> list[dict[str, str]]:
    """The file has exactly the contract's columns and exactly these rows (columns not named: empty;
    extracted_at, where declared: one UTC timestamp for the whole pull)."""
    header, rows = read(path)
    assert header == landing_columns(table)
    assert header[: len(landing_table(table).names)] == landing_table(table).names
    stamps = {row.pop("extracted_at") for row in rows if "extracted_at" in row}
    assert len(stamps) <= 1 and all(ISO_UTC.match(s) for s in stamps), stamps
    wanted = [{column: want.get(column, "") for column in header if column != "extracted_at"} for want in expected]
    assert rows == wanted
    return rows


# ---------------------------------------------------------------------------------------------- OpenAI


def serve_openai(api: MockApi) -> None:
    api.pages(
        "/v1/organization/costs",
        [
            {
                "data": [
                    openai_bucket(
                        "2026-09-01",
                        [
                            openai_cost("gpt-4o-mini-2024-07-18, input", 0.12, organization_id="org-abc"),
                            openai_cost("gpt-4o-mini-2024-07-18, cached input", "0E-6176"),
                        ],
                    )
                ]
            },
            {
                "data": [
                    openai_bucket("2026-09-02", []),
                    openai_bucket(
                        "2026-09-03",
                        [
                            openai_cost("gpt-4o-mini-2024-07-18, output", 1.5, quantity=1000, api_key_id="key_1"),
                            openai_cost("web search tool calls", -0.5, project=None),
                        ],
                    ),
                ]
            },
        ],
    )
    usage = {"object": "organization.usage.completions.result", "model": "gpt-4o-mini-2024-07-18"}
    api.pages(
        "/v1/organization/usage/completions",
        [
            {
                "data": [
                    openai_bucket(
                        "2026-09-01",
                        [
                            usage
                            | {
                                "project_id": "proj_a",
                                "batch": False,
                                "input_tokens": 1000,
                                "input_cached_tokens": 400,
                                "output_tokens": 50,
                                "num_model_requests": 3,
                                "service_tier": "default",
                            }
                        ],
                    )
                ]
            },
            {
                "data": [
                    openai_bucket("2026-09-02", []),
                    openai_bucket(
                        "2026-09-03",
                        [
                            usage
                            | {
                                "project_id": "proj_a",
                                "batch": True,
                                "input_tokens": 10,
                                "input_cached_tokens": 0,
                                "output_tokens": 1000,
                                "num_model_requests": 1,
                            }
                        ],
                    ),
                ]
            },
        ],
    )


def test_openai_writes_exactly_the_landing_rows(api, capsys, tmp_path):
    serve_openai(api)
    code, out, err = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-03", "--out", str(tmp_path))
    assert (code, err) == (0, "")
    day1, day3 = epoch("2026-09-01"), epoch("2026-09-03")
    assert_rows(
        tmp_path / "openai_costs.csv",
        "openai_costs",
        [
            {
                "start_time": str(day1),
                "end_time": str(day1 + 86400),
                "organization_id": "org-abc",
                "project_id": "proj_a",
                "line_item": "gpt-4o-mini-2024-07-18, input",
                "amount_value": "0.12",
                "amount_currency": "usd",
            },
            {
                "start_time": str(day1),
                "end_time": str(day1 + 86400),
                "organization_id": "org-abc",  # the organization the other results name
                "project_id": "proj_a",
                "line_item": "gpt-4o-mini-2024-07-18, cached input",
                "amount_value": "0E-6176",  # as the API wrote it
                "amount_currency": "usd",
            },
            {
                "start_time": str(day3),
                "end_time": str(day3 + 86400),
                "organization_id": "org-abc",
                "project_id": "proj_a",
                "line_item": "gpt-4o-mini-2024-07-18, output",
                "amount_value": "1.5",
                "amount_currency": "usd",
                "quantity": "1000",
                "api_key_id": "key_1",
            },
            {
                "start_time": str(day3),
                "end_time": str(day3 + 86400),
                "organization_id": "org-abc",
                "project_id": "",
                "line_item": "web search tool calls",
                "amount_value": "-0.5",
                "amount_currency": "usd",
            },
        ],
    )
    assert_rows(
        tmp_path / "openai_usage.csv",
        "openai_usage",
        [
            {
                "start_time": str(day1),
                "end_time": str(day1 + 86400),
                "project_id": "proj_a",
                "model": "gpt-4o-mini-2024-07-18",
                "batch": "false",
                "input_tokens": "1000",
                "input_cached_tokens": "400",
                "output_tokens": "50",
                "num_model_requests": "3",
                "service_tier": "default",
            },
            {
                "start_time": str(day3),
                "end_time": str(day3 + 86400),
                "project_id": "proj_a",
                "model": "gpt-4o-mini-2024-07-18",
                "batch": "true",
                "input_tokens": "10",
                "input_cached_tokens": "0",
                "output_tokens": "1000",
                "num_model_requests": "1",
            },
        ],
    )
    # the requests: daily buckets grouped as the landing contract needs, pages followed by cursor
    costs = api.seen("/v1/organization/costs")
    assert [r.query.get("page") for r in costs] == [None, ["page_1"]]
    first = costs[0].query
    assert first["bucket_width"] == ["1d"] and first["group_by"] == ["project_id", "line_item"]
    assert first["start_time"] == [str(day1)] and first["end_time"] == [str(day3 + 86400)]
    assert costs[0].headers["Authorization"] == f"Bearer {KEY}"
    usage = api.seen("/v1/organization/usage/completions")[0].query
    assert usage["group_by"] == ["project_id", "model", "batch", "service_tier"]
    assert "openai_costs: 4 rows for 2026-09-01 .. 2026-09-03" in out


def test_openai_published_examples(api, capsys, tmp_path):
    """The OpenAPI spec's own example bodies: costs without organization_id need --organization-id."""
    costs, usage = example("openai_costs_example.json"), example("openai_usage_completions_example.json")
    api.raw("/v1/organization/costs", {None: costs})
    api.raw("/v1/organization/usage/completions", {None: usage, usage["next_page"]: {"data": [], "has_more": False}})
    day = dt.datetime.fromtimestamp(costs["data"][0]["start_time"], dt.UTC).date().isoformat()
    args = ["openai", "--since", day, "--until", day, "--out", str(tmp_path)]

    code, _, err = extract(capsys, *args)
    assert code == 1 and "pass --organization-id" in err and "\n" not in err.strip()
    assert not (tmp_path / "openai_costs.csv").exists()

    code, _, err = extract(capsys, *args, "--organization-id", "org-example")
    assert (code, err) == (0, "")
    start = str(costs["data"][0]["start_time"])
    end = str(costs["data"][0]["end_time"])
    assert_rows(
        tmp_path / "openai_costs.csv",
        "openai_costs",
        [
            {
                "start_time": start,
                "end_time": end,
                "organization_id": "org-example",
                "amount_value": "0.06",
                "amount_currency": "usd",
            }
        ],
    )
    result = usage["data"][0]["results"][0]
    assert_rows(
        tmp_path / "openai_usage.csv",
        "openai_usage",
        [{"start_time": start, "end_time": end} | {k: str(v) for k, v in result.items() if v is not None}],
    )
    assert [r.query.get("page") for r in api.seen("/v1/organization/usage/completions")][1] == [usage["next_page"]]


# ------------------------------------------------------------------------------------------- Anthropic


def test_anthropic_writes_exactly_the_landing_rows(api, capsys, tmp_path):
    api.raw("/v1/organizations/me", {None: example("anthropic_organizations_me_example.json")})
    cost = {"currency": "USD", "cost_type": "tokens", "service_tier": "standard", "workspace_id": "wrkspc_1"}
    api.pages(
        "/v1/organizations/cost_report",
        [
            {
                "data": [
                    anthropic_bucket(
                        "2026-09-01",
                        [
                            cost
                            | {
                                "amount": "1520.5",
                                "model": "claude-sonnet-4-5-20250929",
                                "token_type": "uncached_input_tokens",
                                "description": "Claude Sonnet 4.5 Usage - Input Tokens",
                            },
                            cost | {"amount": "100", "cost_type": "web_search", "model": None, "token_type": None},
                        ],
                    )
                ]
            },
            {"data": [anthropic_bucket("2026-09-02", [])]},
            {
                "data": [
                    anthropic_bucket(
                        "2026-09-03",
                        [
                            cost
                            | {
                                "amount": "0.25",
                                "workspace_id": None,
                                "model": "claude-haiku-4-5-20251001",
                                "token_type": "cache_creation.ephemeral_1h_input_tokens",
                            }
                        ],
                    )
                ]
            },
        ],
    )
    api.pages(
        "/v1/organizations/usage_report/messages",
        [
            {
                "data": [
                    anthropic_bucket(
                        "2026-09-01",
                        [
                            {
                                "workspace_id": "wrkspc_1",
                                "model": "claude-sonnet-4-5-20250929",
                                "service_tier": "batch",
                                "uncached_input_tokens": 1500,
                                "cache_read_input_tokens": 200,
                                "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1000},
                                "output_tokens": 500,
                                "server_tool_use": {"web_search_requests": 10},
                                "context_window": "0-200k",
                            }
                        ],
                    ),
                    anthropic_bucket("2026-09-02", []),
                ]
            }
        ],
    )
    code, _, err = extract(
        capsys, "anthropic", "--since", "2026-09-01", "--until", "2026-09-03", "--out", str(tmp_path)
    )
    assert (code, err) == (0, "")
    org = example("anthropic_organizations_me_example.json")["id"]
    head = {"organization_id": org, "currency": "USD", "cost_type": "tokens", "service_tier": "standard"}
    day = {d: {"starting_at": f"2026-09-0{d}T00:00:00Z", "ending_at": f"2026-09-0{d + 1}T00:00:00Z"} for d in (1, 3)}
    assert_rows(
        tmp_path / "anthropic_costs.csv",
        "anthropic_costs",
        [
            day[1]
            | head
            | {
                "workspace_id": "wrkspc_1",
                "model": "claude-sonnet-4-5-20250929",
                "token_type": "uncached_input_tokens",
                "amount": "1520.5",  # cents, as the report gives them
                "description": "Claude Sonnet 4.5 Usage - Input Tokens",
            },
            day[1] | head | {"workspace_id": "wrkspc_1", "cost_type": "web_search", "amount": "100"},
            day[3]
            | head
            | {
                "model": "claude-haiku-4-5-20251001",
                "token_type": "cache_creation.ephemeral_1h_input_tokens",
                "amount": "0.25",
            },
        ],
    )
    assert_rows(
        tmp_path / "anthropic_usage.csv",
        "anthropic_usage",
        [
            day[1]
            | {
                "organization_id": org,
                "workspace_id": "wrkspc_1",
                "model": "claude-sonnet-4-5-20250929",
                "service_tier": "batch",
                "uncached_input_tokens": "1500",
                "cache_read_input_tokens": "200",
                "cache_creation_ephemeral_5m_input_tokens": "500",
                "cache_creation_ephemeral_1h_input_tokens": "1000",
                "output_tokens": "500",
                "server_tool_use_web_search_requests": "10",
                "context_window": "0-200k",
            }
        ],
    )
    report = api.seen("/v1/organizations/cost_report")
    assert [r.query.get("page") for r in report] == [None, ["page_1"], ["page_2"]]
    assert report[0].query["group_by[]"] == ["workspace_id", "description"]
    assert report[0].query["starting_at"] == ["2026-09-01T00:00:00Z"]
    assert report[0].query["ending_at"] == ["2026-09-04T00:00:00Z"]
    assert report[0].headers["X-Api-Key"] == ANTHROPIC_KEY
    assert report[0].headers["Anthropic-Version"] == "2023-06-01"
    usage = api.seen("/v1/organizations/usage_report/messages")[0].query
    assert usage["group_by[]"] == ["workspace_id", "model", "service_tier"] and usage["bucket_width"] == ["1d"]


def test_anthropic_published_examples(api, capsys, tmp_path):
    """The API reference's sample bodies: every result field the contract declares lands."""
    for suffix in ("", "_docs_anthropic_2025"):
        out = tmp_path / (suffix or "current")
        costs = example(f"anthropic_cost_report_example{suffix}.json")
        usage = example(f"anthropic_usage_report_example{suffix}.json")
        api.server.clear()
        api.raw("/v1/organizations/cost_report", {None: costs, costs["next_page"]: {"data": [], "has_more": False}})
        api.raw(
            "/v1/organizations/usage_report/messages",
            {None: usage, usage["next_page"]: {"data": [], "has_more": False}},
        )
        code, _, err = extract(
            capsys, "anthropic", "--since", "2025-08-01", "--until", "2025-08-01", "--out", str(out),
            "--organization-id", "org-1",
        )  # fmt: skip
        assert (code, err) == (0, "")
        bucket = {k: costs["data"][0][k] for k in ("starting_at", "ending_at")}
        cost = costs["data"][0]["results"][0]
        assert_rows(out / "anthropic_costs.csv", "anthropic_costs", [bucket | {"organization_id": "org-1"} | cost])
        result = usage["data"][0]["results"][0]
        flat = {k: str(v) for k, v in result.items() if not isinstance(v, dict)}
        flat |= {f"cache_creation_{k}": str(v) for k, v in result["cache_creation"].items()}
        flat["server_tool_use_web_search_requests"] = str(result["server_tool_use"]["web_search_requests"])
        _, rows = read(out / "anthropic_usage.csv")
        declared = set(landing_columns("anthropic_usage"))
        assert len(rows) == 1
        assert {k: v for k, v in rows[0].items() if k in flat} == {k: v for k, v in flat.items() if k in declared}
        assert rows[0]["starting_at"] == bucket["starting_at"]


def test_openai_live_response_shapes(api, capsys, tmp_path):
    """What live responses hold beyond the spec (openai_admin_api.md): amounts as long decimal strings,
    float quantities, names and ISO times the contract does not declare."""
    live = {"project_name": "Support", "organization_name": "Acme", "user_email": "a@example.com"}
    bucket = openai_bucket(
        "2026-09-01",
        [
            openai_cost("gpt-4o-mini-2024-07-18, input", "0.000004500000000000000000000000000000000", **live)
            | {"quantity": 30.0, "organization_id": "org-live"},
            openai_cost("gpt-4o-mini-2024-07-18, output", 0.0003226181279184669, organization_id="org-live"),
        ],
    ) | {"start_time_iso": "2026-09-01T00:00:00"}
    api.pages("/v1/organization/costs", [{"data": [bucket]}])
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    code, _, _ = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-01", "--out", str(tmp_path))
    assert code == 0
    header, rows = read(tmp_path / "openai_costs.csv")
    assert [row["amount_value"] for row in rows] == [
        "0.000004500000000000000000000000000000000",
        "0.0003226181279184669",  # a JSON number keeps every digit it was written with
    ]
    assert not {"project_name", "organization_name", "user_email", "start_time_iso"} & set(header)
    if "quantity" in header:
        assert rows[0]["quantity"] == "30.0"
