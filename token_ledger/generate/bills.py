"""Provider bills from the traced tokens: OpenAI costs and usage, Anthropic cost and usage reports."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

from token_ledger.generate.util import (
    MILLION,
    TOKEN_TYPES,
    day_epoch,
    fmt_money,
    iso_day,
    money,
    month_start,
)

# Billing: how much of the billed usage the traces explain, per (provider, owning team).
UNTRACED_BASE = {
    ("openai", "support-automation"): 1.10,
    ("openai", "claims-ops"): 1.30,
    ("openai", "platform"): 1.00,
    ("anthropic", "claims-ops"): 1.05,
    ("anthropic", "legal-ops"): 1.20,
    ("anthropic", "platform"): 1.00,
    ("aws.bedrock", "claims-ops"): 1.10,
    ("azure.ai.openai", "support-automation"): 1.15,
    ("gcp.vertex_ai", "legal-ops"): 1.25,
}
OVERCOUNT_FACTOR = 0.85
# OpenAI bills cache writes of some models (`<model>, cache writes`); the price book has no cache_write
# price for them, so the demo bills them at this share of the input price.
CACHE_WRITE_PRICE_OF_INPUT = {"gpt-4.1-2025-04-14": Decimal("1.25")}
WEB_SEARCH_CALL_USD = Decimal("0.01")

DISCOUNT = {
    "openai": Decimal("1.00"),
    "anthropic": Decimal("0.95"),
    "aws.bedrock": Decimal("1.00"),
    "azure.ai.openai": Decimal("0.97"),
    "gcp.vertex_ai": Decimal("0.90"),
}


class BillsMixin:
    """Part of Generator: billed quantities and amounts, the OpenAI and Anthropic exports."""

    def _billed_quantity(self, key: tuple, token_type: str, traced: int) -> int:
        """Billed tokens: traced tokens times an untraced factor (or below, in one pool)."""
        provider, account, project, day, model, batch = key
        if (provider, model, day, token_type, batch) == self.overcount_pool:
            return int(traced * OVERCOUNT_FACTOR)
        base = UNTRACED_BASE.get((provider, self.seeds.owner(provider, account, project)), 1.1)
        factor = base if base <= 1.0 else base + self.rng_bill.uniform(0.0, 0.08)
        return round(traced * factor)

    def _billing_keys(self, provider: str) -> list[tuple]:
        last = self.billed_days[-1]
        return sorted(k for k in self.ledger if k[0] == provider and k[3] <= last)

    def _line_amount(
        self,
        provider,
        model,
        token_type,
        day,
        qty,
        batch,
        price_override: Decimal | None = None,
    ) -> Decimal:
        price = price_override if price_override is not None else self.seeds.price(provider, model, token_type, day)
        if price is None:
            sys.exit(f"no price for {provider} {model} {token_type} on {day}")
        amount = Decimal(qty) * price / MILLION * DISCOUNT[provider]
        return amount / 2 if batch else amount

    def _invoice_add(self, provider, account, day, amount: Decimal, currency, tax=False):
        key = (provider, account, month_start(day))
        entry = self.invoice_lines.setdefault(key, {"subtotal": Decimal(0), "tax": Decimal(0), "currencies": set()})
        entry["tax" if tax else "subtotal"] += amount
        entry["currencies"].add(currency.upper())
        self.billed_totals[provider][currency.upper()] += amount

    def _write_openai_bills(self) -> None:
        """openai_costs (one row per bucket, project, line item) and openai_usage."""
        costs, usage = self.csv["openai_costs"], self.csv["openai_usage"]
        keys = self._billing_keys("openai")
        account = self.seeds.account("openai", "platform")[0]
        # The data-science project runs notebooks nobody traces: billed, never traced.
        ds_account, ds_project = self.seeds.account("openai", "data-science")
        synthetic = {}
        for day in self.billed_days:
            if day.weekday() >= 5:
                continue
            for model, size in [
                ("gpt-4.1-2025-04-14", 60_000),
                ("gpt-4.1-mini-2025-04-14", 200_000),
            ]:
                inp = int(size * self.scale * self.rng_bill.uniform(0.5, 1.5))
                synthetic[("openai", ds_account, ds_project, day, model, False)] = [
                    int(inp * 0.8),
                    int(inp * 0.2),
                    # the notebooks write prompts to the cache: OpenAI bills them as `<model>, cache writes`
                    inp // 20 if model in CACHE_WRITE_PRICE_OF_INPUT else 0,
                    inp // 9,
                    max(1, inp // 3000),
                ]
        for key in sorted(keys + list(synthetic)):
            _, acct, project, day, model, batch = key
            traced = synthetic.get(key) or self.ledger[key]
            from_trace = key not in synthetic
            billed = {}
            for token_type, idx in (("input", 0), ("cached_input", 1), ("output", 3)):
                billed[token_type] = self._billed_quantity(key, token_type, traced[idx]) if from_trace else traced[idx]
            # only the untraced notebooks write to the cache (no draw from rng_bill: the demo stays as it was)
            billed["cache_write"] = 0 if from_trace else traced[2]
            start = day_epoch(day)
            for token_type, label in (
                ("input", "input"),
                ("cached_input", "cached input"),
                ("cache_write", "cache writes"),
                ("output", "output"),
            ):
                qty = billed[token_type]
                if qty <= 0:
                    continue
                override = None
                if token_type == "cache_write":
                    override = self.seeds.price("openai", model, "input", day) * CACHE_WRITE_PRICE_OF_INPUT[model]
                amount = money(self._line_amount("openai", model, token_type, day, qty, batch, override), 6)
                line_item = f"{model}, {label}" + (", batch" if batch else "")
                costs.write(
                    [
                        start,
                        start + 86400,
                        acct,
                        project,
                        line_item,
                        fmt_money(amount, 6),
                        "usd",
                    ]
                )
                self._invoice_add("openai", acct, day, amount, "usd")
            if model == "text-embedding-3-small":
                continue  # the completions usage export has no embeddings
            # Untraced calls add requests in proportion to the untraced input tokens. input_tokens includes
            # cached and cache-write tokens (real-inputs.md 4).
            billed_in = billed["input"] + billed["cached_input"] + billed["cache_write"]
            requests = round(traced[4] * billed_in / max(traced[0] + traced[1] + traced[2], 1))
            usage.write(
                {
                    "start_time": start,
                    "end_time": start + 86400,
                    "project_id": project,
                    "model": model,
                    "batch": "true" if batch else "false",
                    "input_tokens": billed_in,
                    "input_cached_tokens": billed["cached_input"],
                    "output_tokens": billed["output"],
                    "num_model_requests": max(requests, 1),
                    "input_cache_write_tokens": billed["cache_write"],
                    "service_tier": "batch" if batch else "default",
                }
            )
        self._write_openai_other_line_items(costs, account, ds_account, ds_project)
        self.expected["untraced_only_projects"] = [
            {
                "provider": "openai",
                "billing_account_id": ds_account,
                "project_id": ds_project,
            }
        ]

        # Planted defects: each row has exactly one, on a line item the platform project never
        # bills otherwise, so no bad row shares its (bucket, project, line item) with a good one.
        day = self.billed_days[min(10, len(self.billed_days) - 1)]
        start = day_epoch(day)
        platform_project = self.seeds.account("openai", "platform")[1]
        costs.write(
            [
                start,
                start + 86400,
                account,
                platform_project,
                "gpt-4.1-2025-04-14, output",
                "n/a",
                "usd",
            ]
        )
        self._quarantine("openai_costs", "unparseable amount_value")
        # A readable line in a currency without an FX rate is still a billing line (metrics.md 12):
        # it counts on its invoice, in another currency than the invoice -> currency_mismatch. It
        # goes in the last billed month so that the planted August variance stays a variance.
        fx_day = self.billed_days[-3]
        costs.write(
            [
                day_epoch(fx_day),
                day_epoch(fx_day) + 86400,
                account,
                platform_project,
                "gpt-4.1-nano-2025-04-14, input",
                "0.042000",
                "xau",
            ]
        )
        self._quarantine("openai_costs", "no fx rate for currency")
        self.foreign_currency_lines.add(("openai", account, month_start(fx_day)))
        self.quarantined_billing += [
            {
                "table": "openai_costs",
                "reason": "unparseable amount_value",
                "provider": "openai",
                "billing_account_id": account,
                "charge_date": day.isoformat(),
                "amount": "n/a",
                "currency": "usd",
            },
            {
                "table": "openai_costs",
                "reason": "no fx rate for currency",
                "provider": "openai",
                "billing_account_id": account,
                "charge_date": fx_day.isoformat(),
                "amount": "0.042000",
                "currency": "xau",
            },
        ]
        usage.write(
            {
                "start_time": start,
                "end_time": start + 86400,
                "project_id": platform_project,
                "model": "gpt-4.1-nano-2025-04-14",
                "batch": "false",
                "input_tokens": 1200,
                "input_cached_tokens": 0,
                "output_tokens": -150,
                "num_model_requests": 3,
                "input_cache_write_tokens": 0,
                "service_tier": "default",
            }
        )
        self._quarantine("openai_usage", "negative token count")

    def _write_openai_other_line_items(self, costs, account: str, ds_account: str, ds_project: str) -> None:
        """Line items that are not the traced token lines, as the Costs API writes them (real-inputs.md 4):
        the platform project's web searches (`web search tool calls`, a known non-token item of the
        billing_meters seed) and the data-science project's weekly evals (`evals | <model>, input`: a token
        line of that model, its prefix kept)."""
        platform_project = self.seeds.account("openai", "platform")[1]
        for day in self.billed_days:
            if day.weekday() >= 5:
                continue
            start = day_epoch(day)
            calls = 1 + self.rng_real.randrange(5)
            amount = money(Decimal(calls) * WEB_SEARCH_CALL_USD, 6)
            costs.write(
                [start, start + 86400, account, platform_project, "web search tool calls", fmt_money(amount, 6), "usd"]
            )
            self._invoice_add("openai", account, day, amount, "usd")
            if day.weekday() == 2:
                qty = int(400_000 * self.scale)
                model = "gpt-4.1-mini-2025-04-14"
                amount = money(self._line_amount("openai", model, "input", day, qty, False), 6)
                line_item = f"evals | {model}, input"
                costs.write([start, start + 86400, ds_account, ds_project, line_item, fmt_money(amount, 6), "usd"])
                self._invoice_add("openai", ds_account, day, amount, "usd")

    def _write_anthropic_bills(self) -> None:
        """anthropic_costs (cents, 4 decimals) and anthropic_usage; cache writes split 5m/1h."""
        costs, usage = self.csv["anthropic_costs"], self.csv["anthropic_usage"]
        legal = self.seeds.account("anthropic", "legal-ops")
        org = legal[0]
        for key in self._billing_keys("anthropic"):
            _, acct, workspace, day, model, batch = key
            traced = self.ledger[key]
            q = {tt: self._billed_quantity(key, tt, traced[i]) for i, tt in enumerate(TOKEN_TYPES)}
            # The legal workspace uses 1-hour cache writes for a share of its prompts.
            one_hour = int(q["cache_write"] * 0.3) if workspace == legal[1] else 0
            five_min = q["cache_write"] - one_hour
            tier = "batch" if batch else "standard"
            lines = [
                ("uncached_input_tokens", q["input"], None),
                ("cache_read_input_tokens", q["cached_input"], None),
                ("cache_creation.ephemeral_5m_input_tokens", five_min, None),
                (
                    "cache_creation.ephemeral_1h_input_tokens",
                    one_hour,
                    2 * self.seeds.price("anthropic", model, "input", day),
                ),
                ("output_tokens", q["output"], None),
            ]
            token_type_of = {
                "uncached_input_tokens": "input",
                "cache_read_input_tokens": "cached_input",
                "cache_creation.ephemeral_5m_input_tokens": "cache_write",
                "cache_creation.ephemeral_1h_input_tokens": "cache_write",
                "output_tokens": "output",
            }
            for label, qty, override in lines:
                if qty <= 0:
                    continue
                usd = self._line_amount("anthropic", model, token_type_of[label], day, qty, batch, override)
                cents = money(usd * 100, 4)
                costs.write(
                    [
                        iso_day(day),
                        iso_day(day + dt.timedelta(days=1)),
                        acct,
                        workspace,
                        "tokens",
                        model,
                        label,
                        tier,
                        fmt_money(cents, 4),
                        "USD",
                    ]
                )
                self._invoice_add("anthropic", acct, day, cents / 100, "USD")
            usage.write(
                [
                    iso_day(day),
                    iso_day(day + dt.timedelta(days=1)),
                    workspace,
                    model,
                    tier,
                    q["input"],
                    q["cached_input"],
                    five_min,
                    one_hour,
                    q["output"],
                ]
            )
        for day in self.billed_days:
            searches = self.web_searches.get(day, 0)
            if searches:
                cents = money(Decimal(searches), 4)  # 10 USD per 1,000 searches
                costs.write(
                    [
                        iso_day(day),
                        iso_day(day + dt.timedelta(days=1)),
                        org,
                        legal[1],
                        "web_search",
                        "",
                        "",
                        "standard",
                        fmt_money(cents, 4),
                        "USD",
                    ]
                )
                self._invoice_add("anthropic", org, day, cents / 100, "USD")
        self._write_anthropic_unexplained(costs, usage, org, legal[1])
        day = self.billed_days[min(12, len(self.billed_days) - 1)]
        costs.write(
            [
                "",
                iso_day(day + dt.timedelta(days=1)),
                org,
                legal[1],
                "tokens",
                "claude-opus-4-1-20250805",
                "output_tokens",
                "standard",
                "1520.0000",
                "USD",
            ]
        )
        self._quarantine("anthropic_costs", "missing starting_at")
        self.quarantined_billing.append(
            {
                "table": "anthropic_costs",
                "reason": "missing starting_at",
                "provider": "anthropic",
                "billing_account_id": org,
                "charge_date": None,
                "amount": "1520.0000",
                "currency": "USD",
            }
        )

    def _write_anthropic_unexplained(self, costs, usage, org: str, workspace: str) -> None:
        """Two real shapes of the Anthropic reports (real-inputs.md 4): a cost row from a pull not grouped by
        description (no cost_type, model nor token type: real money, kept as usage_other and flagged), and
        priority-tier usage, which the cost report never bills (flagged, left out of the billed quantities)."""
        day = self.billed_days[min(8, len(self.billed_days) - 1)]
        cents = Decimal("845.1200")
        costs.write(
            [iso_day(day), iso_day(day + dt.timedelta(days=1)), org, "", "", "", "", "", fmt_money(cents, 4), "USD"]
        )
        self._invoice_add("anthropic", org, day, cents / 100, "USD")
        self.unexplained_charges.append(
            {
                "billing_export": "anthropic_costs",
                "provider": "anthropic",
                "meter": "cost report row without description",
                "reason": "no cost_type (cost report not grouped by description)",
            }
        )
        usage.write(
            [
                iso_day(day),
                iso_day(day + dt.timedelta(days=1)),
                workspace,
                "claude-sonnet-4-5-20250929",
                "priority",
                12_000,
                0,
                0,
                0,
                3_000,
            ]
        )
        self.unexplained_charges.append(
            {
                "billing_export": "anthropic_usage",
                "provider": "anthropic",
                "meter": "claude-sonnet-4-5-20250929",
                "reason": "priority tier: billed outside the cost report",
            }
        )
