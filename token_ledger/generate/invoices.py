"""FOCUS charges as clouds export them (every service of the account), and the invoices that cover every bill."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from token_ledger.generate.util import TOKEN_TYPES, fmt_money, iso_day, money, month_start, next_month, sku_id

# Spelling of a model on the provider's own bill, when it is not the canonical name (the traces use it too).
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
INVOICE_CODE = {
    "openai": "OAI",
    "anthropic": "ANT",
    "aws.bedrock": "AWS",
    "azure.ai.openai": "AZR",
    "gcp.vertex_ai": "GCP",
}

# Which model and token type a charge bills is in the cloud's own meter (real-inputs.md 3), read back by
# seeds/billing/billing_meters.csv: AWS names it in the usage type (x_UsageType, `<region>-<model key>-<token
# suffix>`), Azure in the meter name (SkuMeter), Google in the SKU description (ChargeDescription).
AWS_MODEL_KEY = {
    "anthropic.claude-sonnet-4-5-20250929-v1:0": "Claude4.5Sonnet",
    "anthropic.claude-haiku-4-5-20251001-v1:0": "Claude4.5Haiku",
    "anthropic.claude-opus-4-1-20250805-v1:0": "Claude4.1Opus",
    "amazon.nova-micro-v1:0": "NovaMicro",
    "amazon.nova-pro-v1:0": "NovaPro",
}
AWS_TOKEN_SUFFIX = {
    "input": "input-tokens",
    "cached_input": "cache-read-input-token-count",
    "cache_write": "cache-write-input-token-count",
    "output": "output-tokens",
}
AZURE_METER = {
    ("gpt-4o-2024-08-06", "input"): "gpt-4o-0806-Inp-glbl Tokens",
    ("gpt-4o-2024-08-06", "cached_input"): "gpt 4o 0806 cached Inp glbl Tokens",
    ("gpt-4o-2024-08-06", "output"): "gpt-4o-0806-Outp-glbl Tokens",
    ("gpt-4o-mini-2024-07-18", "input"): "gpt-4o-mini-0718-Inp-glbl Tokens",
    ("gpt-4o-mini-2024-07-18", "cached_input"): "gpt 4o mini 0718 cached Inp glbl Tokens",
    ("gpt-4o-mini-2024-07-18", "output"): "gpt-4o-mini-0718-Outp-glbl Tokens",
}
GCP_SKU = {
    ("gemini-2.5-flash", "input"): "Gemini 2.5 Flash GA Text Input - Predictions",
    ("gemini-2.5-flash", "cached_input"): "Gemini 2.5 Flash GA Input Text Caching",
    ("gemini-2.5-flash", "output"): "Gemini 2.5 Flash GA Text Output - Predictions",
    ("gemini-2.5-flash-lite", "input"): "Gemini 2.5 Flash Lite Text Input - Predictions",
    ("gemini-2.5-flash-lite", "cached_input"): "Gemini 2.5 Flash Lite Input Text Caching",
    ("gemini-2.5-flash-lite", "output"): "Gemini 2.5 Flash Lite Text Output - Predictions",
    ("gemini-2.5-pro", "input"): "Gemini 2.5 Pro Text Input - Predictions",
    ("gemini-2.5-pro", "cached_input"): "Gemini 2.5 Pro Input Text Caching",
    ("gemini-2.5-pro", "output"): "Gemini 2.5 Pro Text Output - Predictions",
}
# Most of a cloud bill is not AI (real-inputs.md 3): per provider, services of the same account that end as
# out_of_scope: (ServiceName, meter column, meter, unit, daily quantity, unit price), in the billing currency.
OUT_OF_SCOPE_SERVICES = {
    "aws.bedrock": [
        ("Amazon Elastic Compute Cloud", "x_UsageType", "USE1-BoxUsage:m5.large", "Hours", 24, Decimal("0.096")),
        ("Amazon Simple Storage Service", "x_UsageType", "USE1-TimedStorage-ByteHrs", "GB-Mo", 40, Decimal("0.023")),
    ],
    "azure.ai.openai": [
        ("Virtual Machines", "SkuMeter", "D2s v3", "Hours", 24, Decimal("0.088")),
    ],
    "gcp.vertex_ai": [
        ("Compute Engine", "ChargeDescription", "N2 Instance Core running in Americas", "Hours", 48, Decimal("0.031")),
    ],
}


def focus_meter(provider: str, model: str, token_type: str) -> dict[str, str]:
    """The columns a cloud writes for one model's token type."""
    if provider == "aws.bedrock":
        return {"x_UsageType": f"USE1-{AWS_MODEL_KEY[model]}-{AWS_TOKEN_SUFFIX[token_type]}"}
    if provider == "azure.ai.openai":
        return {"SkuMeter": AZURE_METER[(model, token_type)]}
    return {"ChargeDescription": GCP_SKU[(model, token_type)]}


class InvoicesMixin:
    """Part of Generator: FOCUS rows, invoices, planted bad FOCUS rows."""

    def _focus_row(
        self,
        provider: str,
        category: str,
        day: dt.date,
        cost: str,
        *,
        service: str | None = None,
        columns: dict | None = None,
        charge_class: str = "",
        period_end: dt.date | None = None,
        billing_period: dt.date | None = None,
        effective: str | None = None,
    ) -> dict:
        """One FOCUS row of a provider's billing account (a dict by column; the invoice id comes later)."""
        service_provider, ai_service, currency, _ = FOCUS_PROVIDERS[provider]
        row = {
            "BillingAccountId": self.seeds.account_id(provider),
            "ServiceProviderName": service_provider,
            "ServiceName": service or ai_service,
            "ChargeCategory": category,
            "ChargeClass": charge_class,
            "ChargePeriodStart": iso_day(day),
            "ChargePeriodEnd": iso_day(period_end or day + dt.timedelta(days=1)),
            "BillingPeriodStart": iso_day(billing_period or month_start(day)),
            "SkuPriceDetails": "{}",
            "BilledCost": cost,
            "EffectiveCost": cost if effective is None else effective,
            "BillingCurrency": currency,
            "ResourceId": "",
        }
        row.update(columns or {})
        meter = row.get("x_UsageType") or row.get("SkuMeter") or row.get("ChargeDescription") or category
        row.setdefault("SkuId", sku_id(provider, row["ServiceName"], meter))
        return row

    def _write_focus_charges(self) -> list[dict]:
        """FOCUS rows of the three clouds: token usage named by the clouds' own meters, the other AI charges,
        the account's services that are not AI (out_of_scope), a correction, tax."""
        lines: list[dict] = []
        months = sorted({month_start(d) for d in self.billed_days})

        for provider in FOCUS_PROVIDERS:
            currency = FOCUS_PROVIDERS[provider][2]
            for key in self._billing_keys(provider):
                _, _, _, day, model, batch = key
                traced = self.ledger[key]
                for i, token_type in enumerate(TOKEN_TYPES):
                    qty = self._billed_quantity(key, token_type, traced[i])
                    if qty <= 0:
                        continue
                    usd = self._line_amount(provider, model, token_type, day, qty, batch)
                    cost = money(usd / self.seeds.usd_per_unit(currency, day), 6)
                    columns = focus_meter(provider, model, token_type) | {
                        "ConsumedQuantity": str(qty),
                        "ConsumedUnit": "Tokens",
                    }
                    columns.setdefault("ChargeDescription", f"{model} {token_type.replace('_', ' ')} tokens")
                    lines.append(self._focus_row(provider, "Usage", day, fmt_money(cost, 6), columns=columns))
        self._split_one_charge_between_two_resources(lines)

        # Non-token usage and the other charge categories.
        def billed_day(i):
            return self.billed_days[min(i, len(self.billed_days) - 1)]

        haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"
        for i in (30, 31):
            lines.append(
                self._focus_row(
                    "aws.bedrock",
                    "Usage",
                    billed_day(i),
                    "39.600000",
                    columns={
                        "SkuMeter": "Provisioned Throughput Hours",
                        "SkuPriceDetails": json.dumps({"x_ModelId": haiku, "x_CommitmentTerm": "NoCommitment"}),
                        "ChargeDescription": "Provisioned throughput, 1 model unit (load test)",
                        "ConsumedQuantity": "1",
                        "ConsumedUnit": "Hours",
                    },
                )
            )
        for day in self.billed_days:
            n = self.grounding.get(day, 0)
            if n:
                lines.append(
                    self._focus_row(
                        "gcp.vertex_ai",
                        "Usage",
                        day,
                        fmt_money(Decimal(n) * Decimal("0.035"), 6),
                        columns={
                            "SkuMeter": "Grounding Requests",
                            "ChargeDescription": "Grounding with Google Search",
                            "ConsumedQuantity": str(n),
                            "ConsumedUnit": "Requests",
                        },
                    )
                )
        # AI charges no billing_meters row explains: kept as usage_other and flagged (mart_unexplained_charges)
        self.unexplained_charges += [
            {"billing_export": "focus_charges", "provider": "aws.bedrock", "meter": "Provisioned Throughput Hours",
             "reason": "unmapped meter"},
            {"billing_export": "focus_charges", "provider": "gcp.vertex_ai", "meter": "Grounding Requests",
             "reason": "unmapped meter"},
        ]  # fmt: skip
        second = months[1] if len(months) > 1 else months[0]
        lines.append(
            self._focus_row(
                "aws.bedrock",
                "Credit",
                second,
                "-25.000000",
                columns={"ChargeDescription": "AWS Promotional Credit", "SkuId": ""},
            )
        )
        lines.append(
            self._focus_row(
                "azure.ai.openai",
                "Purchase",
                second,
                "40.000000",
                effective="0.000000",
                period_end=next_month(second),
                columns={
                    "ChargeDescription": "Azure OpenAI provisioned throughput reservation, monthly",
                    "ConsumedQuantity": "1",
                    "ConsumedUnit": "Units",
                },
            )
        )
        lines.append(
            self._focus_row(
                "gcp.vertex_ai",
                "Adjustment",
                billed_day(12),
                "3.210000",
                columns={"ChargeDescription": "Late-arriving usage adjustment", "SkuId": ""},
            )
        )
        # A correction (ChargeClass Correction): it corrects a day of one month and is invoiced in the next,
        # so it counts toward the next month's invoice and, for cost reporting, the day it corrects.
        sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0"
        correction_day = billed_day(10)
        qty = int(250_000 * max(self.scale, 0.2))
        cost = money(self._line_amount("aws.bedrock", sonnet, "input", correction_day, qty, False), 6)
        lines.append(
            self._focus_row(
                "aws.bedrock",
                "Usage",
                correction_day,
                fmt_money(cost, 6),
                charge_class="Correction",
                billing_period=next_month(correction_day),
                columns=focus_meter("aws.bedrock", sonnet, "input")
                | {
                    "ChargeDescription": "Correction: under-billed input tokens",
                    "ConsumedQuantity": str(qty),
                    "ConsumedUnit": "Tokens",
                },
            )
        )
        self.expected["focus_correction"] = {
            "charge_date": correction_day.isoformat(),
            "invoice_month": next_month(correction_day).isoformat(),
            "amount": fmt_money(cost, 6),
        }
        lines += self._out_of_scope_rows()

        # Tax: per account and month, on the AI services' charges and on the other services' (which is
        # out_of_scope tax: on the invoice's tax, never AI spend).
        month_sums: dict[tuple, Decimal] = defaultdict(Decimal)
        for line in lines:
            is_ai = line["ServiceName"] == FOCUS_PROVIDERS[self._focus_provider(line)][1]
            month = dt.date.fromisoformat(line["BillingPeriodStart"][:10])
            month_sums[(self._focus_provider(line), month, line["ServiceName"] if not is_ai else "")] += Decimal(
                line["BilledCost"]
            )
        for (provider, month, service), total in sorted(month_sums.items()):
            tax = money(total * FOCUS_PROVIDERS[provider][3], 6)
            lines.append(
                self._focus_row(
                    provider,
                    "Tax",
                    month,
                    fmt_money(tax, 6),
                    service=service or None,
                    period_end=next_month(month),
                    columns={"ChargeDescription": "Sales tax / VAT", "SkuId": ""},
                )
            )

        for line in lines:
            provider = self._focus_provider(line)
            # a line counts toward the invoice of its billing period (a correction: the next month's)
            invoice_day = dt.date.fromisoformat(line["BillingPeriodStart"][:10])
            self._invoice_add(
                provider,
                line["BillingAccountId"],
                invoice_day,
                Decimal(line["BilledCost"]),
                line["BillingCurrency"],
                tax=line["ChargeCategory"] == "Tax",
            )
            if line["ServiceName"] != FOCUS_PROVIDERS[provider][1]:
                self.out_of_scope_totals[provider][line["BillingCurrency"]] += Decimal(line["BilledCost"])
        return lines

    @staticmethod
    def _focus_provider(line: dict) -> str:
        return next(p for p, v in FOCUS_PROVIDERS.items() if v[0] == line["ServiceProviderName"])

    def _out_of_scope_rows(self) -> list[dict]:
        """The services of each cloud account that are not AI: one row per service and billed weekday."""
        rows = []
        for provider, services in OUT_OF_SCOPE_SERVICES.items():
            for day in self.billed_days:
                if day.weekday() >= 5:
                    continue
                for service, column, meter, unit, quantity, price in services:
                    jitter = Decimal(80 + self.rng_real.randrange(40)) / 100
                    qty = money(Decimal(quantity) * jitter, 2)
                    columns = {
                        column: meter,
                        "ConsumedQuantity": fmt_money(qty, 2),
                        "ConsumedUnit": unit,
                        "ResourceId": f"{service.lower().replace(' ', '-')}-{provider.split('.')[0]}-01",
                    }
                    columns.setdefault("ChargeDescription", f"{service} {meter}")
                    rows.append(
                        self._focus_row(
                            provider,
                            "Usage",
                            day,
                            fmt_money(money(qty * price, 6), 6),
                            service=service,
                            columns=columns,
                        )  # fmt: skip
                    )
        return rows

    def _split_one_charge_between_two_resources(self, lines: list[dict]) -> None:
        """Two charges that differ only in ResourceId are two charges (real-inputs.md 3): one Bedrock token
        charge is billed for two application inference profiles, half each, every other column equal."""
        for index, line in enumerate(lines):
            if line["ServiceName"] == "Amazon Bedrock" and int(line["ConsumedQuantity"]) % 2 == 0:
                cost = Decimal(line["BilledCost"])
                half = money(cost / 2, 6)
                if half * 2 != cost:
                    continue
                first = dict(line, BilledCost=fmt_money(half, 6), EffectiveCost=fmt_money(half, 6))
                first["ConsumedQuantity"] = str(int(line["ConsumedQuantity"]) // 2)
                first["ResourceId"] = "arn:aws:bedrock:us-east-1:418295730164:application-inference-profile/support"
                second = dict(first, ResourceId=first["ResourceId"].replace("/support", "/claims"))
                lines[index : index + 1] = [first, second]
                self.expected["two_resource_charge"] = {
                    "x_UsageType": line["x_UsageType"],
                    "charge_date": line["ChargePeriodStart"][:10],
                    "amount_each": fmt_money(half, 6),
                }
                return

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

    def _write_invoices(self, focus_lines: list[dict]) -> None:
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

        # FOCUS rows carry the id of the invoice of their billing period (FOCUS 1.2 InvoiceId; empty until
        # invoiced).
        out = self.csv["focus_charges"]
        for line in focus_lines:
            month = dt.date.fromisoformat(line["BillingPeriodStart"][:10])
            line["InvoiceId"] = invoice_ids.get((self._focus_provider(line), line["BillingAccountId"], month), "")
            out.write(line)
        self._write_bad_focus_rows()
        self.expected["invoices"] = result
        self.expected["invoice_variances"] = variances
        self.expected["uninvoiced"] = uninvoiced

    def _write_bad_focus_rows(self) -> None:
        out = self.csv["focus_charges"]
        day = self.billed_days[min(20, len(self.billed_days) - 1)]
        account = self.seeds.account_id("aws.bedrock")
        base = self._focus_row(
            "aws.bedrock",
            "Usage",
            day,
            "0.005250",
            columns=focus_meter("aws.bedrock", "amazon.nova-micro-v1:0", "input")
            | {
                "ChargeDescription": "amazon.nova-micro-v1:0 input tokens (on-demand)",
                "ConsumedQuantity": "150000",
                "ConsumedUnit": "Tokens",
            },
        )
        refund = dict(base, ChargeCategory="Refund", x_UsageType="", ConsumedQuantity="", ConsumedUnit="")
        refund["BilledCost"] = refund["EffectiveCost"] = "-12.500000"
        refund["ChargeDescription"] = "Goodwill refund"
        unparseable = dict(base, BilledCost="abc")
        broken = dict(base, SkuPriceDetails='{"x_ModelId":')
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
                    "amount": row_["BilledCost"],
                    "currency": "USD",
                }
            )
