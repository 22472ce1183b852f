"""End to end: a mock of both Admin APIs -> ``token-ledger extract`` -> ``dbt build`` -> the ledger.

One extraction and one build per session (``extracted``): the other landing tables are header-only files
(``--with-empty-tables``), the seeds are the project's (the mock's organization, projects and workspaces
are the ones billing_accounts names). The money the mock serves must come out of
``marts.fct_spend_ledger`` whole, per provider and currency: OpenAI amounts as served, Anthropic's cents
divided by 100; a line in a currency without an FX rate is quarantined and still in the ledger with its
amount.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from extract_mock import MockApi, anthropic_bucket, openai_bucket, openai_cost
from harness import Build, build_project, require_success
from pytest_httpserver import HTTPServer

from token_ledger import cli

OPENAI_ORG = "org-7Hq2LkP9sVn3XcR8tYb1Wm4E"  # seeds/billing_accounts.csv
OPENAI_PROJECT = "proj_Ts8uP2vKq9LmA3xRz6Nc"  # support-automation
ANTHROPIC_ORG = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
ANTHROPIC_WORKSPACE = "wrkspc_01KfT7pL2sD9wG4xM6cV8nQa"  # legal-ops
MODEL = "gpt-4o-mini-2024-07-18"
CLAUDE = "claude-sonnet-4-5-20250929"

# (day, result): cells of one currency never share a ledger cell (provider, account, day, team, category)
OPENAI_COSTS = [
    ("2026-09-01", openai_cost(f"{MODEL}, input", 0.12, OPENAI_PROJECT, organization_id=OPENAI_ORG)),
    ("2026-09-01", openai_cost(f"{MODEL}, cached input", "0E-6176", OPENAI_PROJECT)),
    ("2026-09-01", openai_cost(f"{MODEL}, output, batch", 1.5, OPENAI_PROJECT)),
    ("2026-09-01", openai_cost("web search tool calls", -0.5, None)),
    ("2026-09-01", openai_cost("assistants api | file search", 0.3, OPENAI_PROJECT)),
    ("2026-09-02", openai_cost("gpt-4.1-2025-04-14, output", 2.25, OPENAI_PROJECT, currency="eur")),
    ("2026-09-03", openai_cost("gpt-4.1-2025-04-14, input", 0.042, OPENAI_PROJECT, currency="xau")),
]
OPENAI_USAGE = [
    ("2026-09-01", {"project_id": OPENAI_PROJECT, "model": MODEL, "batch": False, "input_tokens": 80000,
                    "input_cached_tokens": 0, "output_tokens": 0, "num_model_requests": 4}),
    ("2026-09-01", {"project_id": OPENAI_PROJECT, "model": MODEL, "batch": True, "input_tokens": 0,
                    "input_cached_tokens": 0, "output_tokens": 5000, "num_model_requests": 1}),
]  # fmt: skip
ANTHROPIC_COSTS = [
    ("2026-09-01", {"amount": "1520.5", "currency": "USD", "cost_type": "tokens", "model": CLAUDE,
                    "token_type": "uncached_input_tokens", "service_tier": "standard"}),
    ("2026-09-01", {"amount": "100", "currency": "USD", "cost_type": "web_search", "model": None,
                    "token_type": None, "service_tier": "standard"}),
    ("2026-09-02", {"amount": "0.25", "currency": "USD", "cost_type": "tokens", "model": CLAUDE,
                    "token_type": "cache_creation.ephemeral_1h_input_tokens", "service_tier": "batch"}),
]  # fmt: skip
ANTHROPIC_USAGE = [
    ("2026-09-01", {"model": CLAUDE, "service_tier": "standard", "uncached_input_tokens": 500000,
                    "cache_read_input_tokens": 0, "output_tokens": 0, "server_tool_use": {"web_search_requests": 100},
                    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}}),
]  # fmt: skip


def by_day(rows, bucket, **common):
    days = sorted({day for day, _ in rows})
    return [bucket(day, [result | common for d, result in rows if d == day]) for day in days]


def served() -> dict[tuple[str, str], Decimal]:
    """What the mock bills, per (provider, currency), in the currency's units."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for _, result in OPENAI_COSTS:
        totals[("openai", result["amount"]["currency"].upper())] += Decimal(str(result["amount"]["value"]))
    for _, result in ANTHROPIC_COSTS:
        totals[("anthropic", result["currency"])] += Decimal(result["amount"]) / 100  # cents
    return dict(totals)


@dataclass
class Extracted:
    landing: Path
    build: Build


@pytest.fixture(scope="session")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Extracted:
    landing = tmp_path_factory.mktemp("extracted") / "landing"
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    api = MockApi(server)
    costs = by_day(OPENAI_COSTS, openai_bucket)
    api.pages("/v1/organization/costs", [{"data": costs[:2]}, {"data": costs[2:]}])
    usage = by_day(OPENAI_USAGE, openai_bucket, object="organization.usage.completions.result")
    api.pages("/v1/organization/usage/completions", [{"data": usage[:1]}, {"data": []}])
    api.raw("/v1/organizations/me", {None: {"id": ANTHROPIC_ORG, "type": "organization", "name": "Acme"}})
    costs = by_day(ANTHROPIC_COSTS, anthropic_bucket, workspace_id=ANTHROPIC_WORKSPACE)
    api.pages("/v1/organizations/cost_report", [{"data": costs[:1]}, {"data": costs[1:]}])
    usage = by_day(ANTHROPIC_USAGE, anthropic_bucket, workspace_id=ANTHROPIC_WORKSPACE)
    api.pages("/v1/organizations/usage_report/messages", [{"data": usage}])
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("OPENAI_ADMIN_KEY", "sk-admin-e2e")
            patch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin-e2e")
            patch.setenv("OPENAI_BASE_URL", api.url("/v1"))
            patch.setenv("ANTHROPIC_BASE_URL", api.url())
            for provider in ("openai", "anthropic"):
                args = ["extract", provider, "--since", "2026-09-01", "--until", "2026-09-03", "--out", str(landing)]
                assert cli.main([*args, "--with-empty-tables", "--no-progress"]) == 0
    finally:
        server.stop()
    build = build_project(landing, tmp_path_factory.mktemp("extracted-build"))
    return Extracted(landing, build)


def test_the_build_succeeds_on_extracted_bills_alone(extracted):
    require_success(extracted.build)
    assert (extracted.landing / "otel_spans.csv").read_text().startswith("trace_id,span_id")


def test_the_ledger_holds_every_served_amount_per_currency(extracted):
    require_success(extracted.build)
    rows = extracted.build.query(
        """
        select provider, upper(currency) as currency, sum(amount) as amount, count(*) as cells
        from marts.fct_spend_ledger group by 1, 2
        """
    )
    ledger = {(row["provider"], row["currency"]): row["amount"] for row in rows}
    assert None not in {key[1] for key in ledger}, "a ledger cell mixed currencies"
    expected = served()
    assert set(ledger) == set(expected)
    for key, amount in expected.items():
        assert ledger[key] == pytest.approx(float(amount), abs=1e-9), key


def test_the_line_without_fx_rate_is_quarantined_with_its_amount(extracted):
    require_success(extracted.build)
    rows = extracted.build.query(
        "select category, upper(currency) as currency, amount, amount_usd, charge_date from marts.fct_spend_ledger"
        " where upper(currency) = 'XAU'"
    )
    assert rows == [
        {
            "category": "quarantined",
            "currency": "XAU",
            "amount": pytest.approx(0.042),
            "amount_usd": None,
            "charge_date": dt.date(2026, 9, 3),
        }
    ]
    reasons = extracted.build.query(
        "select quarantine_reason, amount from marts.fct_quarantined_rows where landing_table = 'openai_costs'"
    )
    assert {"quarantine_reason": "no fx rate for currency", "amount": pytest.approx(0.042)} in reasons


def test_every_extracted_row_is_staged_or_quarantined(extracted):
    require_success(extracted.build)
    counts = extracted.build.query(
        """
        select 'openai_costs' as t, count(*) as n from raw.openai_costs
        union all select 'anthropic_costs', count(*) from raw.anthropic_costs
        """
    )
    assert {row["t"]: row["n"] for row in counts} == {"openai_costs": len(OPENAI_COSTS), "anthropic_costs": 3}
