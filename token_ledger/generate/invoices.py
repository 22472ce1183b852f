"""FOCUS charges (Bedrock, Azure OpenAI, Vertex AI) and the invoices that cover every bill."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from token_ledger.generate.util import TOKEN_TYPES, fmt_money, iso_day, money, month_start, next_month, sku_id

# Spelling of a model on the provider's own bill, when it is not the canonical name.
BILLED_SPELLING = {
    (
        "aws.bedrock",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
    ): "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ("azure.ai.openai", "gpt-4o-mini-2024-07-18"): "gpt-4o-mini",
}
FOCUS_PROVIDERS = {
    "aws.bedrock": ("AWS", "Amazon Bedrock", "USD", Decimal("0.07")),
    "azure.ai.openai": ("Microsoft", "Azure OpenAI Service", "EUR", Decimal("0.19")),
    "gcp.vertex_ai": ("Google Cloud", "Vertex AI", "USD", Decimal("0.08")),
}
FOCUS_METERS = {
    "input": "Input Tokens",
    "cached_input": "Cache Read Input Tokens",
    "cache_write": "Cache Write Input Tokens",
    "output": "Output Tokens",
}
INVOICE_CODE = {
    "openai": "OAI",
    "anthropic": "ANT",
    "aws.bedrock": "AWS",
    "azure.ai.openai": "AZR",
    "gcp.vertex_ai": "GCP",
}


class InvoicesMixin:
    """Part of Generator: FOCUS rows, invoices, planted bad FOCUS rows."""

    def _write_focus_charges(self) -> list[list]:
        """FOCUS 1.x rows for Bedrock, Azure OpenAI and Vertex AI, plus non-usage charges."""
        lines: list[list] = []
        months = sorted({month_start(d) for d in self.billed_days})

        def row(
            provider,
            category,
            day,
            meter,
            details,
            description,
            qty,
            unit,
            cost,
            effective=None,
            charge_class="",
            period_end=None,
            billing_period=None,
        ):
            sp, service, currency, _ = FOCUS_PROVIDERS[provider]
            account = self.seeds.account_id(provider)
            end = period_end or day + dt.timedelta(days=1)
            billing_start = billing_period or month_start(day)
            return [
                account,
                sp,
                service,
                category,
                charge_class,
                iso_day(day),
                iso_day(end),
                iso_day(billing_start),
                sku_id(provider, description.split(" (")[0], meter),
                meter,
                details,
                description,
                qty,
                unit,
                cost,
                cost if effective is None else effective,
                currency,
                "",
            ]

        for provider in FOCUS_PROVIDERS:
            currency = FOCUS_PROVIDERS[provider][2]
            for key in self._billing_keys(provider):
                _, _, _, day, model, batch = key
                traced = self.ledger[key]
                spelled = BILLED_SPELLING.get((provider, model), model)
                details = json.dumps({"ModelId": spelled})
                for i, token_type in enumerate(TOKEN_TYPES):
                    qty = self._billed_quantity(key, token_type, traced[i])
                    if qty <= 0:
                        continue
                    usd = self._line_amount(provider, model, token_type, day, qty, batch)
                    cost = money(usd / self.seeds.usd_per_unit(currency, day), 6)
                    meter = FOCUS_METERS[token_type]
                    lines.append(
                        row(
                            provider,
                            "Usage",
                            day,
                            meter,
                            details,
                            f"{spelled} {meter.lower()} (on-demand)",
                            str(qty),
                            "Tokens",
                            fmt_money(cost, 6),
                        )
                    )

        # Non-token usage and the other charge categories.
        def billed_day(i):
            return self.billed_days[min(i, len(self.billed_days) - 1)]

        haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"
        for i in (30, 31):
            lines.append(
                row(
                    "aws.bedrock",
                    "Usage",
                    billed_day(i),
                    "Provisioned Throughput Hours",
                    json.dumps({"ModelId": haiku, "CommitmentTerm": "NoCommitment"}),
                    "Provisioned throughput, 1 model unit (load test)",
                    "1",
                    "Hours",
                    "39.600000",
                )
            )
        for day in self.billed_days:
            n = self.grounding.get(day, 0)
            if n:
                lines.append(
                    row(
                        "gcp.vertex_ai",
                        "Usage",
                        day,
                        "Grounding Requests",
                        json.dumps({"ModelId": "gemini-2.5-pro"}),
                        "Grounding with Google Search",
                        str(n),
                        "Requests",
                        fmt_money(Decimal(n) * Decimal("0.035"), 6),
                    )
                )
        second = months[1] if len(months) > 1 else months[0]
        lines.append(
            row(
                "aws.bedrock",
                "Credit",
                second,
                "",
                "{}",
                "AWS Promotional Credit",
                "",
                "",
                "-25.000000",
            )
        )
        lines.append(
            row(
                "azure.ai.openai",
                "Purchase",
                second,
                "",
                "{}",
                "Azure OpenAI provisioned throughput reservation, monthly",
                "1",
                "Units",
                "40.000000",
                effective="0.000000",
                period_end=next_month(second),
            )
        )
        lines.append(
            row(
                "gcp.vertex_ai",
                "Adjustment",
                billed_day(12),
                "",
                "{}",
                "Late-arriving usage adjustment",
                "",
                "",
                "3.210000",
            )
        )
        sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0"
        correction_day = billed_day(10)
        qty = int(250_000 * max(self.scale, 0.2))
        cost = money(
            self._line_amount("aws.bedrock", sonnet, "input", correction_day, qty, False),
            6,
        )
        lines.append(
            row(
                "aws.bedrock",
                "Usage",
                correction_day,
                "Input Tokens",
                json.dumps({"ModelId": BILLED_SPELLING[("aws.bedrock", sonnet)]}),
                "Correction: under-billed input tokens",
                str(qty),
                "Tokens",
                fmt_money(cost, 6),
                charge_class="Correction",
                billing_period=next_month(correction_day),
            )
        )

        # Tax: one row per account and month, on that month's charges.
        month_sums: dict[tuple, Decimal] = defaultdict(Decimal)
        for line in lines:
            month_sums[(line[1], dt.date.fromisoformat(line[5][:10]).replace(day=1))] += Decimal(line[14])
        provider_of = {v[0]: k for k, v in FOCUS_PROVIDERS.items()}
        for (sp, month), total in sorted(month_sums.items()):
            provider = provider_of[sp]
            tax = money(total * FOCUS_PROVIDERS[provider][3], 6)
            lines.append(
                row(
                    provider,
                    "Tax",
                    month,
                    "",
                    "{}",
                    "Sales tax / VAT",
                    "",
                    "",
                    fmt_money(tax, 6),
                    period_end=next_month(month),
                )
            )

        for line in lines:
            provider = provider_of[line[1]]
            day = dt.date.fromisoformat(line[5][:10])
            self._invoice_add(
                provider,
                line[0],
                day,
                Decimal(line[14]),
                line[16],
                tax=line[3] == "Tax",
            )
        return lines

    def _invoice_plan(self) -> dict:
        """Which invoices are planted as variance, currency mismatch, or not issued yet."""
        months = sorted({k[2] for k in self.invoice_lines})
        first, second, last = months[0], months[min(1, len(months) - 1)], months[-1]
        return {
            ("openai", first): ("variance", Decimal("12.34")),
            ("aws.bedrock", second): ("variance", "0.5%"),
            ("azure.ai.openai", second): ("currency_mismatch", "USD"),
            ("gcp.vertex_ai", last): ("uninvoiced", None),
        }

    def _write_invoices(self, focus_lines: list[list]) -> None:
        """One invoice per provider x account x month; subtotal = sum of its non-tax lines."""
        plan = self._invoice_plan()
        sink = self.csv["invoices"]
        result = {"matched": [], "variance": [], "currency_mismatch": []}
        variances = {}
        uninvoiced = []
        invoice_ids = {}
        for (provider, account, month), entry in sorted(self.invoice_lines.items()):
            what, arg = plan.get((provider, month), ("matched", None))
            if what == "uninvoiced":
                uninvoiced.append(
                    {
                        "provider": provider,
                        "billing_account_id": account,
                        "month": month.isoformat(),
                    }
                )
                continue
            invoice_id = f"INV-{INVOICE_CODE[provider]}-{month:%Y%m}"
            invoice_ids[(provider, account, month)] = invoice_id
            (currency,) = entry["currencies"]
            subtotal = entry["subtotal"]
            if what == "variance":
                if arg == "0.5%":
                    subtotal = money(subtotal * Decimal("1.005"), 6)
                else:
                    subtotal = subtotal + arg
                variances[invoice_id] = fmt_money(subtotal - entry["subtotal"], 6)
            elif what == "currency_mismatch":
                currency = arg
            if (provider, account, month) in self.foreign_currency_lines:
                what = "currency_mismatch"  # a line in another currency wins over matched/variance
            result[what].append(invoice_id)
            period_end = next_month(month) - dt.timedelta(days=1)
            issued = period_end + dt.timedelta(days=2)
            sink.write(
                [
                    invoice_id,
                    provider,
                    account,
                    month.isoformat(),
                    period_end.isoformat(),
                    currency,
                    fmt_money(subtotal, 6),
                    fmt_money(entry["tax"], 6),
                    fmt_money(subtotal + entry["tax"], 6),
                    f"{issued.isoformat()}T09:00:00Z",
                ]
            )

        # FOCUS rows carry the id of the invoice that covers them (empty until invoiced).
        provider_of = {v[0]: k for k, v in FOCUS_PROVIDERS.items()}
        out = self.csv["focus_charges"]
        for line in focus_lines:
            month = dt.date.fromisoformat(line[5][:10]).replace(day=1)
            line[17] = invoice_ids.get((provider_of[line[1]], line[0], month), "")
            out.write(line)
        self._write_bad_focus_rows()
        self.expected["invoices"] = result
        self.expected["invoice_variances"] = variances
        self.expected["uninvoiced"] = uninvoiced

    def _write_bad_focus_rows(self) -> None:
        out = self.csv["focus_charges"]
        day = self.billed_days[min(20, len(self.billed_days) - 1)]
        account = self.seeds.account_id("aws.bedrock")
        model = json.dumps({"ModelId": "amazon.nova-micro-v1:0"})
        base = [
            account,
            "AWS",
            "Amazon Bedrock",
            "Usage",
            "",
            iso_day(day),
            iso_day(day + dt.timedelta(days=1)),
            iso_day(month_start(day)),
            sku_id("aws.bedrock", "amazon.nova-micro-v1:0", "Input Tokens"),
            "Input Tokens",
            model,
            "amazon.nova-micro-v1:0 input tokens (on-demand)",
            "150000",
            "Tokens",
            "0.005250",
            "0.005250",
            "USD",
            "",
        ]
        refund = list(base)
        refund[3], refund[9], refund[10], refund[12], refund[13] = (
            "Refund",
            "",
            "{}",
            "",
            "",
        )
        refund[14] = refund[15] = "-12.500000"
        refund[11] = "Goodwill refund"
        unparseable = list(base)
        unparseable[14] = "abc"
        broken = list(base)
        broken[10] = '{"ModelId":'
        for row_, reason in (
            (refund, "unknown ChargeCategory"),
            (unparseable, "unparseable BilledCost"),
            (broken, "invalid json SkuPriceDetails"),
        ):
            out.write(row_)
            self._quarantine("focus_charges", reason)
            self.quarantined_billing.append(
                {
                    "table": "focus_charges",
                    "reason": reason,
                    "provider": "aws.bedrock",
                    "billing_account_id": account,
                    "charge_date": day.isoformat(),
                    "amount": row_[14],
                    "currency": "USD",
                }
            )
