#!/usr/bin/env python3
"""Generate deterministic demo landing data for token_ledger.

The project reads raw landing tables (see the landing contract) and reference seeds. This script
writes one file per raw table into ``--out``, telling one consistent story: three agent workflows
(ticket triage, claim adjudication, contract review) run on work items; their OpenTelemetry spans,
the provider bills for the same tokens, the invoices, and the outcome systems' change data all
agree with each other and with the seeds in ``seeds/``. A handful of known defects and anomalies
are planted on purpose, and ``_expected.json`` lists exactly what was planted so tests can check
that the project finds it.

Design constraints that explain the shape of the code:

* Determinism: every random choice comes from ``random.Random`` streams seeded from ``--seed``;
  same seed and arguments give byte-identical files.
* Bounded memory: spans are generated one day at a time and written to Parquet in row groups, so
  ``--scale 300`` (about 10 M spans) runs in constant memory. Only small aggregates (tokens per
  billing key and day) are kept for the bills, which are written after the spans.
* Exact money: amounts are ``Decimal`` rounded per line to a fixed number of places, so invoice
  subtotals equal the sum of their lines exactly when read back as decimals.

Usage::

    python scripts/generate_landing.py --out data/demo [--seed 42] [--scale 1.0]
        [--start 2026-08-03] [--weeks 12] [--spans-format parquet|csv]
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds"

UTC = dt.UTC
NS = 1_000_000_000
MILLION = Decimal(1_000_000)
TOKEN_TYPES = ("input", "cached_input", "cache_write", "output")
TIER_RANK = {"small": 0, "mid": 1, "frontier": 2}

# Exactly the columns of the landing contract, in order.
LANDING_COLUMNS: dict[str, list[str]] = {
    "otel_spans": [
        "trace_id",
        "span_id",
        "parent_span_id",
        "name",
        "start_time_unix_nano",
        "end_time_unix_nano",
        "status_code",
        "attributes",
        "resource_attributes",
    ],
    "openai_costs": [
        "start_time",
        "end_time",
        "organization_id",
        "project_id",
        "line_item",
        "amount_value",
        "amount_currency",
    ],
    "anthropic_costs": [
        "starting_at",
        "ending_at",
        "organization_id",
        "workspace_id",
        "cost_type",
        "model",
        "token_type",
        "service_tier",
        "amount",
        "currency",
    ],
    "openai_usage": [
        "start_time",
        "end_time",
        "project_id",
        "model",
        "batch",
        "input_tokens",
        "input_cached_tokens",
        "output_tokens",
        "num_model_requests",
    ],
    "anthropic_usage": [
        "starting_at",
        "ending_at",
        "workspace_id",
        "model",
        "service_tier",
        "uncached_input_tokens",
        "cache_read_input_tokens",
        "cache_creation_ephemeral_5m_input_tokens",
        "cache_creation_ephemeral_1h_input_tokens",
        "output_tokens",
    ],
    "focus_charges": [
        "BillingAccountId",
        "ServiceProviderName",
        "ServiceName",
        "ChargeCategory",
        "ChargeClass",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "BillingPeriodStart",
        "SkuId",
        "SkuMeter",
        "SkuPriceDetails",
        "ChargeDescription",
        "ConsumedQuantity",
        "ConsumedUnit",
        "BilledCost",
        "EffectiveCost",
        "BillingCurrency",
        "InvoiceId",
    ],
    "invoices": [
        "invoice_id",
        "provider",
        "billing_account_id",
        "period_start",
        "period_end",
        "currency",
        "subtotal",
        "tax",
        "total",
        "issued_at",
    ],
    "tickets": [
        "ticket_id",
        "created_at",
        "updated_at",
        "solved_at",
        "status",
        "assignee_type",
        "escalated",
        "reopens",
        "queue",
    ],
    "claims": [
        "claim_id",
        "received_at",
        "updated_at",
        "decided_at",
        "decision",
        "manual_correction",
        "exception_docs_required",
        "line_of_business",
        "claimed_amount",
        "currency",
    ],
    "contracts": [
        "contract_id",
        "submitted_at",
        "updated_at",
        "reviewed_at",
        "review_status",
        "contract_type",
        "page_count",
    ],
}
CSV_TABLES = [t for t in LANDING_COLUMNS if t != "otel_spans"]

# --------------------------------------------------------------------------------------------
# The story: who runs what, on which models. Model names are canonical names of model_prices;
# spellings on spans and bills come from model_aliases.
# --------------------------------------------------------------------------------------------

UNKNOWN_SERVICE = "fraud-signal-poc"  # deliberately absent from seeds/services.csv
UNPRICED_MODEL = (
    "openai",
    "gpt-4o-experimental",
)  # deliberately in no alias or price row
# The bill still charges the unpriced model; this hidden list price is what the provider used.
HIDDEN_PRICES = {
    UNPRICED_MODEL: {
        "input": Decimal("5.00"),
        "cached_input": Decimal("2.50"),
        "output": Decimal("20.00"),
    }
}

# (weight, provider, canonical model) per route; route "emea" sends EU tickets to Azure.
TICKET_PLAN = [
    ("tool", "zendesk_get_ticket"),
    (
        "call",
        "classify",
        {
            "default": [
                (78, "openai", "gpt-4.1-nano-2025-04-14"),
                (14, "openai", "gpt-4o-mini-2024-07-18"),
                (8, "openai", "gpt-4.1-2025-04-14"),
            ],
            "emea": [
                (88, "azure.ai.openai", "gpt-4o-mini-2024-07-18"),
                (12, "azure.ai.openai", "gpt-4o-2024-08-06"),
            ],
        },
        (700, 12, 0),
        0.0,
    ),
    (
        "call",
        "retrieve",
        {"default": [(1, "openai", "text-embedding-3-small")]},
        (90, 0, 0),
        0.0,
    ),
    ("tool", "kb_search"),
    (
        "call",
        "draft",
        {
            "default": [
                (68, "openai", "gpt-4.1-mini-2025-04-14"),
                (12, "openai", "gpt-4o-2024-08-06"),
                (14, "openai", "gpt-4.1-2025-04-14"),
                (6, "openai", "gpt-4o-experimental"),
            ],
            "emea": [
                (55, "azure.ai.openai", "gpt-4o-2024-08-06"),
                (45, "azure.ai.openai", "gpt-4o-mini-2024-07-18"),
            ],
        },
        (3200, 320, 1536),
        0.0,
    ),
    (
        "call?",
        "qa_check",
        {
            "default": [
                (85, "openai", "gpt-4o-mini-2024-07-18"),
                (15, "openai", "gpt-4.1-mini-2025-04-14"),
            ],
            "emea": [(1, "azure.ai.openai", "gpt-4o-mini-2024-07-18")],
        },
        (1500, 30, 1024),
        0.0,
    ),
    ("tool", "zendesk_update_ticket"),
]
CLAIM_PLAN = [
    ("tool", "fetch_claim_documents"),
    (
        "call",
        "extract",
        {
            "default": [
                (55, "aws.bedrock", "amazon.nova-micro-v1:0"),
                (30, "aws.bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0"),
                (15, "aws.bedrock", "amazon.nova-pro-v1:0"),
            ]
        },
        (5200, 650, 2048),
        0.0,
    ),
    ("tool", "policy_lookup"),
    (
        "call",
        "assess",
        {
            "default": [
                (72, "anthropic", "claude-sonnet-4-5-20250929"),
                (13, "anthropic", "claude-opus-4-1-20250805"),
                (15, "aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
            ]
        },
        (8800, 900, 4096),
        0.0,
    ),
    ("tool", "fraud_score"),
    (
        "call",
        "summarize",
        {
            "default": [
                (80, "anthropic", "claude-haiku-4-5-20251001"),
                (20, "anthropic", "claude-sonnet-4-5-20250929"),
            ]
        },
        (2600, 280, 1024),
        0.3,
    ),
]
CONTRACT_PLAN = [
    ("tool", "fetch_contract_pdf"),
    (
        "call",
        "extract",
        {
            "default": [
                (75, "gcp.vertex_ai", "gemini-2.5-flash"),
                (15, "gcp.vertex_ai", "gemini-2.5-flash-lite"),
                (10, "gcp.vertex_ai", "gemini-2.5-pro"),
            ]
        },
        (550, 1400, 0),
        0.0,
    ),
    ("tool", "clause_library_search"),
    (
        "call",
        "review",
        {
            "default": [
                (65, "gcp.vertex_ai", "gemini-2.5-pro"),
                (35, "anthropic", "claude-opus-4-1-20250805"),
            ]
        },
        (600, 2800, 4000),
        0.0,
    ),
    (
        "call",
        "redline",
        {
            "default": [
                (70, "gcp.vertex_ai", "gemini-2.5-flash"),
                (20, "gcp.vertex_ai", "gemini-2.5-pro"),
                (10, "anthropic", "claude-sonnet-4-5-20250929"),
            ]
        },
        (450, 2200, 0),
        0.0,
    ),
]

WORKFLOWS = {
    "ticket": {
        "workflow": "ticket_triage",
        "service": "ticket-triage-agent",
        "plan": TICKET_PLAN,
        "per_weekday": 28,
        "weekend": 0.35,
        "review_minutes": (2, 12),
    },
    "claim": {
        "workflow": "claim_adjudication",
        "service": "claims-adjudicator",
        "plan": CLAIM_PLAN,
        "per_weekday": 12,
        "weekend": 0.10,
        "review_minutes": (4, 25),
    },
    "contract": {
        "workflow": "contract_review",
        "service": "contract-reviewer",
        "plan": CONTRACT_PLAN,
        "per_weekday": 4,
        "weekend": 0.05,
        "review_minutes": (10, 55),
    },
}
# Planned outcome mix per type: (class, variant, weight).
OUTCOME_MIX = {
    "ticket": [
        ("automated", "", 62),
        ("assisted", "human", 10),
        ("assisted", "reopened", 6),
        ("assisted", "corrected", 4),
        ("failed", "escalated", 6),
        ("failed", "overridden", 2),
        ("open", "", 10),
    ],
    "claim": [
        ("automated", "", 55),
        ("assisted", "manual", 14),
        ("assisted", "corrected", 6),
        ("failed", "withdrawn", 6),
        ("failed", "overridden", 4),
        ("open", "pended", 9),
        ("open", "undecided", 6),
    ],
    "contract": [
        ("automated", "", 60),
        ("assisted", "corrected", 22),
        ("failed", "overridden", 8),
        ("open", "", 10),
    ],
}
AUTOMATED_REVIEW_SHARE = {"ticket": 0.08, "claim": 0.25, "contract": 0.85}

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
# Planted malformed CDC rows (extra, non-current versions) and the item type they go to.
CDC_DEFECTS = {
    "bad_ticket_status": "ticket",
    "bad_ticket_updated_at": "ticket",
    "bad_claim_id": "claim",
    "bad_claim_decision": "claim",
    "bad_contract_status": "contract",
}
DISCOUNT = {
    "openai": Decimal("1.00"),
    "anthropic": Decimal("0.95"),
    "aws.bedrock": Decimal("1.00"),
    "azure.ai.openai": Decimal("0.97"),
    "gcp.vertex_ai": Decimal("0.90"),
}
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
ERRORS = {
    "openai": "RateLimitError",
    "azure.ai.openai": "RateLimitError",
    "anthropic": "overloaded_error",
    "aws.bedrock": "ThrottlingException",
    "gcp.vertex_ai": "ResourceExhausted",
}

FIRST_NAMES = [
    "Dana",
    "Marek",
    "Priya",
    "Tomasz",
    "Aisha",
    "Lukas",
    "Sofia",
    "Kenji",
    "Maeve",
    "Rafael",
    "Ingrid",
    "Obi",
    "Chloe",
    "Hamid",
    "Noor",
    "Elena",
]
LAST_NAMES = [
    "Whitfield",
    "Novak",
    "Raman",
    "Kowalczyk",
    "Bello",
    "Brandt",
    "Ferreira",
    "Tanaka",
    "Doyle",
    "Ortega",
    "Lindqvist",
    "Okafor",
    "Laurent",
    "Karimi",
]


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def day_epoch(day: dt.date) -> int:
    """Unix seconds of a UTC midnight."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def iso_day(day: dt.date) -> str:
    """A UTC midnight as the providers' APIs write it."""
    return f"{day.isoformat()}T00:00:00Z"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def money(value: Decimal, places: int) -> Decimal:
    """Round one billing line; lines are rounded first, then summed, so sums are exact."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def fmt_money(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def fmt_ts(seconds: float, style: str, millis: bool = False) -> str:
    """Outcome-system timestamp: mostly UTC with Z, some with a +02:00 offset, some naive (UTC)."""
    shift = 7200 if style == "+02:00" else 0
    moment = dt.datetime.fromtimestamp(seconds + shift, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{moment.microsecond // 1000:03d}"
    if style == "Z":
        return text + "Z"
    if style == "+02:00":
        return text + "+02:00"
    return text


def weighted(rng: random.Random, options: list[tuple]) -> tuple:
    """Pick one option; the first element of each is its weight."""
    total = sum(o[0] for o in options)
    x = rng.random() * total
    for option in options:
        x -= option[0]
        if x < 0:
            return option
    return options[-1]


def sku_id(*parts: str) -> str:
    digest = hashlib.sha1("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------


@dataclass
class Seeds:
    """The reference seeds the generator must agree with (prices, aliases, owners, FX)."""

    prices: dict = field(default_factory=dict)  # (provider, model, token_type) -> [(from, to, usd)]
    tiers: dict = field(default_factory=dict)  # (provider, model) -> tier
    aliases: dict = field(default_factory=lambda: defaultdict(list))  # (provider, model) -> [alias]
    services: dict = field(default_factory=dict)
    accounts: list = field(default_factory=list)
    fx: dict = field(default_factory=lambda: defaultdict(list))
    steps: dict = field(default_factory=dict)
    price_changes: list = field(default_factory=list)

    @classmethod
    def load(cls, seeds_dir: Path) -> Seeds:
        def rows(name):
            with open(seeds_dir / f"{name}.csv", newline="", encoding="utf-8") as fh:
                return list(csv.DictReader(fh))

        seeds = cls()
        for r in rows("model_prices"):
            start = dt.date.fromisoformat(r["effective_from"])
            end = dt.date.fromisoformat(r["effective_to"]) if r["effective_to"] else None
            key = (r["provider"], r["model"], r["token_type"])
            seeds.prices.setdefault(key, []).append((start, end, Decimal(r["usd_per_million_tokens"])))
            seeds.tiers[(r["provider"], r["model"])] = r["model_tier"]
            if end is not None:
                seeds.price_changes.append(
                    {
                        "provider": r["provider"],
                        "model": r["model"],
                        "token_type": r["token_type"],
                        "date": end.isoformat(),
                    }
                )
        for r in rows("model_aliases"):
            seeds.aliases[(r["provider"], r["model"])].append(r["alias"])
        seeds.services = {r["service_name"]: r["team_id"] for r in rows("services")}
        seeds.accounts = rows("billing_accounts")
        for r in rows("fx_rates"):
            seeds.fx[r["currency"]].append((dt.date.fromisoformat(r["rate_date"]), Decimal(r["usd_per_unit"])))
        for rates in seeds.fx.values():
            rates.sort()
        seeds.steps = {(r["workflow_name"], r["step_name"]): r["min_model_tier"] for r in rows("workflow_steps")}
        if UNKNOWN_SERVICE in seeds.services:
            sys.exit(f"seeds/services.csv must not list {UNKNOWN_SERVICE} (planted unknown)")
        return seeds

    def price(self, provider: str, model: str, token_type: str, day: dt.date) -> Decimal | None:
        """List price in force on a day (effective_from inclusive, effective_to exclusive)."""
        hidden = HIDDEN_PRICES.get((provider, model))
        if hidden is not None:
            return hidden.get(token_type)
        for start, end, usd in self.prices.get((provider, model, token_type), ()):
            if start <= day and (end is None or day < end):
                return usd
        return None

    def usd_per_unit(self, currency: str, day: dt.date) -> Decimal:
        """Latest rate on or before the day (the first one if the day precedes them all)."""
        if currency == "USD":
            return Decimal(1)
        rates = self.fx[currency]
        chosen = rates[0][1]
        for rate_date, rate in rates:
            if rate_date > day:
                break
            chosen = rate
        return chosen

    def account(self, provider: str, team: str) -> tuple[str, str]:
        """The (billing account, project/workspace) a team's calls bill to on a provider."""
        rows = [r for r in self.accounts if r["provider"] == provider]
        if not rows:
            sys.exit(f"seeds/billing_accounts.csv has no row for provider {provider}")
        for r in rows:
            if r["team_id"] == team and r["project_id"]:
                return r["billing_account_id"], r["project_id"]
        for r in rows:
            if r["team_id"] == team:
                return r["billing_account_id"], ""
        return rows[0]["billing_account_id"], ""

    def account_id(self, provider: str) -> str:
        """The provider's billing account (the demo has one per provider)."""
        return self.account(provider, "")[0]

    def owner(self, provider: str, account: str, project: str) -> str:
        """Team owning a billing line (project row first, then the account row)."""
        for r in self.accounts:
            if (r["provider"], r["billing_account_id"], r["project_id"]) == (
                provider,
                account,
                project,
            ):
                return r["team_id"]
        for r in self.accounts:
            if (r["provider"], r["billing_account_id"], r["project_id"]) == (
                provider,
                account,
                "",
            ):
                return r["team_id"]
        return "unassigned"


# --------------------------------------------------------------------------------------------
# Output sinks
# --------------------------------------------------------------------------------------------


class CsvSink:
    """One landing CSV: header row, comma, RFC 4180 quoting (csv module), row counting."""

    def __init__(self, path: Path, columns: list[str]):
        # Held open across many writes and closed by close(): no context manager by design.
        self.fh = open(path, "w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(columns)
        self.width = len(columns)
        self.rows = 0

    def write(self, row) -> None:
        assert len(row) == self.width
        self.writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self.fh.close()


SPAN_SCHEMA = pa.schema(
    [
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),
        ("name", pa.string()),
        ("start_time_unix_nano", pa.int64()),
        ("end_time_unix_nano", pa.int64()),
        ("status_code", pa.string()),
        ("attributes", pa.string()),
        ("resource_attributes", pa.string()),
    ]
)


class SpanSink:
    """Spans go out in fixed-size Parquet row groups (or CSV) so memory stays bounded."""

    def __init__(self, out_dir: Path, fmt: str, row_group_size: int):
        self.fmt = fmt
        self.row_group_size = row_group_size
        self.pending: list[pa.Table] = []  # Arrow tables not yet written as a row group
        self.pending_rows = 0
        self.rows = 0
        if fmt == "parquet":
            self.path = out_dir / "otel_spans.parquet"
            self.writer = pq.ParquetWriter(
                self.path,
                SPAN_SCHEMA,
                compression="zstd",
                use_dictionary=["name", "status_code", "resource_attributes"],
            )
        else:
            self.path = out_dir / "otel_spans.csv"
            self.csv = CsvSink(self.path, LANDING_COLUMNS["otel_spans"])

    def write_many(self, rows: list[tuple]) -> None:
        """Take one day of rows; convert to Arrow at once (compact), write full row groups."""
        self.rows += len(rows)
        if self.fmt == "csv":
            for row in rows:
                self.csv.write(row)
            return
        columns = list(zip(*rows)) if rows else [[] for _ in SPAN_SCHEMA]
        self.pending.append(
            pa.Table.from_arrays(
                [pa.array(col, type=f.type) for col, f in zip(columns, SPAN_SCHEMA)],
                schema=SPAN_SCHEMA,
            )
        )
        self.pending_rows += len(rows)
        if self.pending_rows >= self.row_group_size:
            table = pa.concat_tables(self.pending)
            full = self.pending_rows // self.row_group_size * self.row_group_size
            self.writer.write_table(table.slice(0, full), row_group_size=self.row_group_size)
            rest = table.slice(full)
            self.pending = [rest.combine_chunks()] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def close(self) -> None:
        if self.fmt == "csv":
            self.csv.close()
            return
        if self.pending_rows:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.row_group_size)
        self.pending = []
        self.writer.close()


# --------------------------------------------------------------------------------------------
# Payloads: privacy-sensitive text that must never reach a mart
# --------------------------------------------------------------------------------------------


class Payloads:
    """Pools of pre-serialized prompt/response text, so spans look real but generate fast."""

    TEXTS: ClassVar[dict] = {
        "ticket": [
            ("Hi, this is {name} ({email}). Order #{num} arrived damaged, please refund the card ending {card}."),
            "My account {email} is locked after a password reset. Call me on {phone}. {name}",
            "I was charged twice for invoice {num}. Name on the account: {name}, {email}.",
            "Where is my parcel? Tracking {num}, delivery address {street}. Thanks, {name}",
        ],
        "claim": [
            ("Claimant {name}, DOB {dob}, policy {policy}. Rear-end collision at {street}; repair estimate {num} USD."),
            "Water damage claim by {name} ({email}) for {street}, policy {policy}.",
            "Travel claim: {name}, passport {passport}, lost luggage on flight {flight}.",
        ],
        "contract": [
            ("Review the attached MSA between Acme Corp and {company}. Signatory {name} <{email}>, fee {num} EUR."),
            "NDA with {company}; counterparty contact {name}, {phone}. Flag unusual clauses.",
            "SOW #{num} for {company}: check liability cap and termination terms. Owner {name}.",
        ],
        "other": [
            "Summarize the customer notes of {name} ({email}) from yesterday's calls.",
            "Score transaction {num} of {name}, card ending {card}, for fraud signals.",
        ],
    }
    OUTPUTS: ClassVar[dict] = {
        "ticket": [
            '{{"category":"refund","priority":"high","customer":"{name}"}}',
            ("Hi {first}, sorry about that. I have refunded order #{num} to the card ending {card}."),
            "Hi {first}, your account {email} is unlocked; please reset your password.",
        ],
        "claim": [
            '{{"decision":"approve","amount":{num},"claimant":"{name}"}}',
            "Coverage confirmed under policy {policy}; deductible applies. Claimant {name}.",
            "Documents missing: police report for {street}.",
        ],
        "contract": [
            "Clause 7.2 caps liability below policy for {company}; propose 2x fees.",
            '{{"risk":"medium","redlines":3,"counterparty":"{company}"}}',
            "Termination for convenience missing; signatory {name} to confirm.",
        ],
        "other": [
            "Customer {name} asked twice about delivery; sentiment negative.",
            '{{"fraud_score":0.{num},"card":"{card}"}}',
        ],
    }
    SYSTEM: ClassVar[dict] = {
        "ticket": "You are Acme's support triage agent. Classify, draft a reply, never promise refunds above 200 USD.",
        "claim": "You adjudicate insurance claims under the attached policy wording. Cite clauses. Output JSON.",
        "contract": "You are a contract reviewer for Acme legal. Compare against the clause "
        "library and propose redlines.",
        "other": "You summarize and score internal records. Be concise.",
    }
    COMPANIES: ClassVar[list] = [
        "Globex GmbH",
        "Initech Ltd",
        "Umbrella BV",
        "Stark Logistics",
        "Wayne Foods",
    ]

    def __init__(self, rng: random.Random, size: int = 96):
        self.inputs = {k: [self._render(rng, k, self.TEXTS) for _ in range(size)] for k in self.TEXTS}
        self.outputs = {k: [self._render(rng, k, self.OUTPUTS) for _ in range(size)] for k in self.OUTPUTS}
        self.system = {
            k: json.dumps([{"type": "text", "content": v}], separators=(",", ":")) for k, v in self.SYSTEM.items()
        }
        self.size = size

    def _render(self, rng: random.Random, kind: str, source: dict) -> str:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        text = rng.choice(source[kind]).format(
            name=f"{first} {last}",
            first=first,
            email=f"{first.lower()}.{last.lower()}@example.com",
            num=rng.randint(10000, 99999),
            card=rng.randint(1000, 9999),
            phone=f"+1-555-01{rng.randint(10, 99)}",
            street=f"{rng.randint(1, 999)} {rng.choice(LAST_NAMES)} Street",
            dob=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            policy=f"POL-{rng.randint(100000, 999999)}",
            passport=f"X{rng.randint(1000000, 9999999)}",
            flight=f"LH{rng.randint(100, 999)}",
            company=rng.choice(self.COMPANIES),
        )
        if source is self.TEXTS:
            message = [{"role": "user", "parts": [{"type": "text", "content": text}]}]
        else:
            message = [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": text}],
                    "finish_reason": "stop",
                }
            ]
        return json.dumps(message, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class Generator:
    """Writes every landing table for one seed, scale and window."""

    def __init__(self, args: argparse.Namespace, seeds: Seeds):
        self.args = args
        self.seeds = seeds
        self.out = Path(args.out)
        self.start = dt.date.fromisoformat(args.start)
        self.days = [self.start + dt.timedelta(days=i) for i in range(args.weeks * 7)]
        self.end = self.days[-1]
        self.export_at = day_epoch(self.end + dt.timedelta(days=1))
        # The last two days of traces have no bill yet (unbilled calls).
        self.billed_days = [d for d in self.days if d <= self.end - dt.timedelta(days=2)]
        self.scale = args.scale

        seed = args.seed
        self.rng = random.Random(f"{seed}:traces")
        self.rng_delivery = random.Random(f"{seed}:delivery")
        self.rng_bill = random.Random(f"{seed}:billing")
        self.payloads = Payloads(random.Random(f"{seed}:payloads"))

        self.resources = {
            svc: json.dumps(
                {
                    "service.name": svc,
                    "service.version": ver,
                    "deployment.environment.name": "prod",
                    "telemetry.sdk.name": "opentelemetry",
                    "telemetry.sdk.language": "python",
                },
                separators=(",", ":"),
            )
            for svc, ver in [
                ("ticket-triage-agent", "3.4.1"),
                ("claims-adjudicator", "1.9.0"),
                ("contract-reviewer", "0.12.3"),
                ("platform-batch-summarizer", "2.0.7"),
                (UNKNOWN_SERVICE, "0.1.0-dev"),
            ]
        }

        # Aggregates for billing: (provider, account, project, date, model, batch) ->
        # [input, cached_input, cache_write, output, requests]; small at any scale.
        self.ledger: dict[tuple, list[int]] = {}
        self.web_searches: dict[dt.date, int] = defaultdict(int)
        self.grounding: dict[dt.date, int] = defaultdict(int)

        self.expected: dict = {}
        self.stats = defaultdict(int)
        self.traced_tokens: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TOKEN_TYPES, 0))
        self.outcomes = {
            t: {
                "items": 0,
                "open": 0,
                "failed": 0,
                "assisted": 0,
                "automated": 0,
                "first_pass": 0,
                "runs": 0,
                "human_minutes": Decimal(0),
            }
            for t in WORKFLOWS
        }
        self.quarantine: dict[str, dict[str, int]] = {t: {} for t in LANDING_COLUMNS}
        self.quarantined_billing: list[dict] = []
        # Good billing lines per (provider, account, month), for invoices and totals.
        self.invoice_lines: dict[tuple, dict] = {}
        # (provider, account, month) of planted lines in a currency other than the invoice's
        self.foreign_currency_lines: set[tuple] = set()
        self.billed_totals = defaultdict(lambda: defaultdict(Decimal))
        self.unknown_items: list[dict] = []
        self.counters = {"ticket": 184000, "claim": 4100, "contract": 880}
        self.pending_bad_versions: dict[str, list[str]] = {t: [] for t in WORKFLOWS}
        self.overcount_pool = self._pick_overcount_pool()
        self._validate_story()

    def _validate_story(self) -> None:
        """Fail early, with a clear message, if the story names a model the seeds lack."""
        used = {
            (p, m)
            for wf in WORKFLOWS.values()
            for step in wf["plan"]
            if step[0] != "tool"
            for routes in step[2].values()
            for _, p, m in routes
        }
        used |= {
            ("openai", "gpt-4o-mini-2024-07-18"),
            ("anthropic", "claude-haiku-4-5-20251001"),
            ("openai", "gpt-4.1-mini-2025-04-14"),
            ("openai", "gpt-4.1-2025-04-14"),
            ("aws.bedrock", "amazon.nova-micro-v1:0"),
            ("anthropic", "claude-sonnet-4-5-20250929"),
        }
        missing = sorted(m for m in used - {UNPRICED_MODEL} if m not in self.seeds.tiers)
        if missing:
            sys.exit(f"seeds/model_prices.csv lacks models the generator uses: {missing}")
        if UNPRICED_MODEL in self.seeds.tiers or UNPRICED_MODEL[1] in {
            a for (p, _), aliases in self.seeds.aliases.items() for a in aliases if p == UNPRICED_MODEL[0]
        }:
            sys.exit(f"{UNPRICED_MODEL[1]} must stay unpriced (no price or alias row)")

    # ---------------------------------------------------------------- entry point

    def run(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.csv = {t: CsvSink(self.out / f"{t}.csv", LANDING_COLUMNS[t]) for t in CSV_TABLES}
        self.spans = SpanSink(self.out, self.args.spans_format, self.args.row_group_size)
        plants = self._plant_schedule()
        for index, day in enumerate(self.days):
            self._generate_day(index, day, plants.get(index, []))
        self.spans.close()
        self._write_openai_bills()
        self._write_anthropic_bills()
        focus_lines = self._write_focus_charges()
        self._write_invoices(focus_lines)
        for sink in self.csv.values():
            sink.close()
        self._write_expected()

    def _plant_schedule(self) -> dict[int, list[str]]:
        """Which day gets which planted anomaly; spread over the window, deterministic."""
        n = len(self.days)
        plants: dict[int, list[str]] = defaultdict(list)
        fixed = [
            "bad_json",
            "bad_json",
            "missing_span_id",
            "negative_tokens",
            "negative_tokens",
            "cache_exceeds",
            *CDC_DEFECTS,
        ]
        for i, what in enumerate(fixed):
            plants[(3 + i * 5) % max(n - 2, 1)].append(what)
        for i in range(max(3, round(4 * self.scale))):
            plants[(2 + i * 7) % max(n - 2, 1)].append("orphan")
        for i in range(max(2, round(3 * self.scale))):
            plants[(4 + i * 11) % max(n - 2, 1)].append("unknown_item")
        return plants

    def _pick_overcount_pool(self) -> tuple:
        """One pool where traces over-count the bill: billed quantity below traced."""
        index = min(16, len(self.billed_days) - 1)
        while index > 0 and self.billed_days[index].weekday() >= 5:
            index -= 1
        return (
            "openai",
            "gpt-4o-mini-2024-07-18",
            self.billed_days[index],
            "output",
            False,
        )

    # ---------------------------------------------------------------- one day of traffic

    def _generate_day(self, index: int, day: dt.date, plants: list[str]) -> None:
        """All runs of one UTC day: work items, unlinked jobs, planted anomalies; then delivery."""
        rng = self.rng
        rows: list[tuple] = []
        bad_rows: list[tuple] = []
        anchors: list[tuple] = []  # (trace_id, root_span_id, service, start_ns) for planting
        growth = 1.0 + 0.25 * index / max(len(self.days) - 1, 1)
        weekend = day.weekday() >= 5
        base = day_epoch(day)

        for what in plants:
            if what in CDC_DEFECTS:  # planted on the next item of that type with 2+ versions
                self.pending_bad_versions[CDC_DEFECTS[what]].append(what)
        for item_type, wf in WORKFLOWS.items():
            mean = wf["per_weekday"] * self.scale * growth * (wf["weekend"] if weekend else 1.0)
            count = int(mean * rng.uniform(0.85, 1.15) + rng.random())
            for _ in range(count):
                created = base + rng.uniform(5 * 3600, 18 * 3600)
                self._work_item(rows, anchors, item_type, wf, created)

        self._platform_batch_jobs(rows, day, base)
        if not weekend:
            self._fraud_poc_traces(rows, day, base)
        for what in plants:
            if what == "orphan":
                self._orphan_trace(rows, day, base)
            elif what == "unknown_item":
                self._unknown_item_run(rows, base)
            elif what not in CDC_DEFECTS:
                self._bad_span(bad_rows, anchors, what)
        self._deliver(rows, bad_rows)

    # ---------------------------------------------------------------- work items

    def _work_item(self, rows, anchors, item_type: str, wf: dict, created: float) -> None:
        """One work item: its runs (traces) and its CDC versions, consistent with each other."""
        rng = self.rng
        self.counters[item_type] += rng.randint(1, 3)
        item_id = self._item_id(item_type, self.counters[item_type])
        _, klass, variant = weighted(rng, [(w, c, v) for c, v, w in OUTCOME_MIX[item_type]])
        n_runs = weighted(
            rng,
            [(78, 1), (16, 2), (6, 3)] if klass != "failed" else [(40, 1), (35, 2), (25, 3)],
        )[1]
        route = "default"
        queue = ""
        pages = 0
        if item_type == "ticket":
            queue = weighted(
                rng,
                [
                    (30, "billing"),
                    (25, "shipping"),
                    (15, "returns"),
                    (15, "account_access"),
                    (15, "emea_general"),
                ],
            )[1]
            route = "emea" if queue == "emea_general" else "default"
        if item_type == "contract":
            pages = rng.randint(3, 60)

        review_outcome = None
        if variant == "corrected":
            review_outcome = "corrected"
        elif variant == "overridden":
            review_outcome = "overridden"
        elif rng.random() < AUTOMATED_REVIEW_SHARE[item_type]:
            review_outcome = "approved"

        t_ns = int((created + rng.uniform(20, 600)) * NS)
        minutes_total = Decimal(0)
        for attempt in range(1, n_runs + 1):
            last = attempt == n_runs
            review = None
            if last and review_outcome:
                lo, hi = wf["review_minutes"]
                review = (review_outcome, round(rng.uniform(lo, hi) * 2) / 2)
                minutes_total += Decimal(str(review[1]))
            end_ns, trace_id, root_id = self._agent_run(
                rows,
                service=wf["service"],
                workflow=wf["workflow"],
                item_type=item_type,
                item_id=item_id,
                start_ns=t_ns,
                route=route,
                plan=wf["plan"],
                failing=not last,
                review=review,
                pages=pages,
            )
            anchors.append((trace_id, root_id, wf["service"], t_ns))
            t_ns = end_ns + int(rng.uniform(120, 1800) * NS)  # retry after a pause
        last_end = end_ns / NS

        versions = self._versions(item_type, item_id, created, last_end, klass, variant, queue, pages)
        kept = [v for v in versions if v["_at"] < self.export_at]
        sink = self.csv[{"ticket": "tickets", "claim": "claims", "contract": "contracts"}[item_type]]
        for v in kept:
            sink.write(self._version_row(item_type, v))
        pending = self.pending_bad_versions[item_type]
        if pending and len(kept) >= 2:
            self._bad_version(item_type, kept[0], pending.pop(0))
        reviews = [review_outcome] if review_outcome else []
        self._count_outcome(item_type, kept[-1], reviews, n_runs, minutes_total)

    def _item_id(self, item_type: str, n: int) -> str:
        if item_type == "ticket":
            return str(n)
        if item_type == "claim":
            return f"CLM-2026-{n:06d}"
        return f"CTR-2026-{n:05d}"

    # ---------------------------------------------------------------- spans of one run

    def _agent_run(
        self,
        rows,
        *,
        service,
        workflow,
        item_type,
        item_id,
        start_ns,
        route,
        plan,
        failing,
        review,
        pages,
    ) -> tuple[int, str, str]:
        """One trace: a root invoke_agent span, its tool and model calls, maybe a review."""
        rng = self.rng
        trace_id = f"{rng.getrandbits(128):032x}"
        root_id = f"{rng.getrandbits(64):016x}"
        res = self.resources[service]
        team = self.seeds.services.get(service, "claims-ops")
        t = start_ns + rng.randint(1, 5) * 1_000_000
        stop_after = rng.randint(1, len(plan)) if failing else None
        error_type = None
        for step_no, step in enumerate(plan, start=1):
            kind = step[0]
            if kind == "tool":
                t = self._tool_span(rows, trace_id, root_id, res, t, step[1], item_type, item_id)
            else:
                if kind == "call?" and rng.random() < 0.3:
                    continue
                _, step_name, routes, profile, batch_share = step
                _, provider, model = weighted(rng, routes.get(route) or routes["default"])
                size = pages if item_type == "contract" else 1
                batch = provider in ("openai", "anthropic") and rng.random() < batch_share
                if rng.random() < 0.03:  # call-level retry: first attempt throttled
                    t = self._model_call(
                        rows,
                        trace_id,
                        root_id,
                        res,
                        t,
                        team,
                        workflow,
                        step_name,
                        provider,
                        model,
                        profile,
                        size,
                        batch,
                        item_type,
                        error=ERRORS[provider],
                    )
                aborted = stop_after is not None and step_no >= stop_after
                t = self._model_call(
                    rows,
                    trace_id,
                    root_id,
                    res,
                    t,
                    team,
                    workflow,
                    step_name,
                    provider,
                    model,
                    profile,
                    size,
                    batch,
                    item_type,
                    error="timeout" if aborted else None,
                )
                if aborted:
                    error_type = "AgentStepFailed"
                    break
        if review is not None:
            t = self._review_span(rows, trace_id, root_id, res, t, review)
        end = t + rng.randint(2, 20) * 1_000_000
        attrs = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": workflow,
            "workflow.name": workflow,
            "work_item.type": item_type,
            "work_item.id": item_id,
            "user.id": f"usr_{rng.getrandbits(40):010x}",
        }
        status = "STATUS_CODE_OK"
        if error_type:
            attrs["error.type"] = error_type
            status = "STATUS_CODE_ERROR"
        rows.append(
            (
                trace_id,
                root_id,
                "",
                f"invoke_agent {workflow}",
                start_ns,
                end,
                status,
                json.dumps(attrs, separators=(",", ":")),
                res,
            )
        )
        self.stats["distinct_spans"] += 1
        return end, trace_id, root_id

    def _draw_tokens(
        self, provider: str, model: str, profile: tuple, size: int, bloat: bool
    ) -> tuple[int, int, int, int]:
        """Token counts of one call: input (all), output, cache read, cache write."""
        rng = self.rng
        in_median, out_median, prefix = profile
        inp = max(8, int(in_median * size * rng.lognormvariate(0, 0.35)))
        if bloat:
            inp = int(inp * rng.uniform(3.0, 6.0))
        out = int(out_median * rng.lognormvariate(0, 0.45)) + 1 if out_median else 0
        read = write = 0
        if model == "text-embedding-3-small" or (not prefix and rng.random() < 0.7):
            return inp, out, 0, 0
        explicit = provider == "anthropic" or model.startswith("anthropic.")
        cached = min(prefix or inp // 2, inp - 1)
        if explicit:
            roll = rng.random()
            if roll < 0.6:
                read = cached
            elif roll < 0.78:
                write = cached
        elif inp >= 1024 and rng.random() < 0.55:
            read = cached // 128 * 128
        return inp, out, read, write

    def _spelling(self, provider: str, model: str, response: bool) -> str:
        aliases = self.seeds.aliases.get((provider, model))
        if not aliases:
            return model
        if response:
            if provider in ("aws.bedrock", "gcp.vertex_ai") and self.rng.random() < 0.5:
                return aliases[0]
            return model
        return aliases[0] if self.rng.random() < 0.7 else model

    def _model_call(
        self,
        rows,
        trace_id,
        parent_id,
        res,
        t,
        team,
        workflow,
        step,
        provider,
        model,
        profile,
        size,
        batch,
        kind,
        error=None,
    ) -> int:
        """A model-call span; its good tokens go into the billing ledger."""
        rng = self.rng
        span_id = f"{rng.getrandbits(64):016x}"
        throttled = error is not None and error != "timeout"
        bloat = not throttled and rng.random() < 0.04
        inp, out, read, write = (0, 0, 0, 0) if throttled else self._draw_tokens(provider, model, profile, size, bloat)
        if error == "timeout":
            out = out // 3
        embeddings = model == "text-embedding-3-small"
        op = "embeddings" if embeddings else "generate_content" if provider == "gcp.vertex_ai" else "chat"
        attrs = {
            "gen_ai.operation.name": op,
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": self._spelling(provider, model, False),
        }
        if not throttled and rng.random() < 0.9:
            attrs["gen_ai.response.model"] = self._spelling(provider, model, True)
        attrs["gen_ai.usage.input_tokens"] = inp
        if not embeddings:
            attrs["gen_ai.usage.output_tokens"] = out
        if read:
            attrs["gen_ai.usage.cache_read.input_tokens"] = read
        if write:
            attrs["gen_ai.usage.cache_creation.input_tokens"] = write
        if batch:
            attrs["gen_ai.request.service_tier"] = "batch"
        if workflow:
            attrs["workflow.step"] = step
        if not embeddings:
            if rng.random() < 0.25:
                attrs["gen_ai.system_instructions"] = self.payloads.system[kind]
            attrs["gen_ai.input.messages"] = self.payloads.inputs[kind][rng.randrange(self.payloads.size)]
            if not throttled:
                attrs["gen_ai.output.messages"] = self.payloads.outputs[kind][rng.randrange(self.payloads.size)]
        status = "STATUS_CODE_UNSET"
        if error:
            attrs["error.type"] = error
            status = "STATUS_CODE_ERROR"
        latency = (250 + inp // 40 + out * 12) * 1_000_000 if not throttled else 40_000_000
        if batch:
            latency += rng.randint(60, 1200) * NS
        end = t + latency + rng.randint(0, 300) * 1_000_000
        name = f"{op} {attrs['gen_ai.request.model']}"
        rows.append(
            (
                trace_id,
                span_id,
                parent_id,
                name,
                t,
                end,
                status,
                json.dumps(attrs, separators=(",", ":")),
                res,
            )
        )
        self.stats["distinct_spans"] += 1
        self.stats["model_calls"] += 1
        if error:
            self.stats["errored_calls"] += 1
        if batch:
            self.stats["batch_calls"] += 1
        if bloat:
            self.stats["context_bloat_calls"] += 1
        min_tier = self.seeds.steps.get((workflow, step))
        tier = self.seeds.tiers.get((provider, model))
        if min_tier and tier and TIER_RANK[tier] > TIER_RANK[min_tier]:
            self.stats["routing_excess_calls"] += 1
        if not throttled:
            self._record_usage(
                provider,
                team,
                dt.datetime.fromtimestamp(t // NS, UTC).date(),
                model,
                batch,
                inp - read - write,
                read,
                write,
                out,
            )
            if workflow == "contract_review" and step == "review":
                day = dt.datetime.fromtimestamp(t // NS, UTC).date()
                if provider == "anthropic":
                    self.web_searches[day] += 2
                elif provider == "gcp.vertex_ai":
                    self.grounding[day] += 1
        return end + rng.randint(1, 40) * 1_000_000

    def _record_usage(self, provider, team, day, model, batch, uncached, read, write, out):
        account, project = self.seeds.account(provider, team)
        key = (provider, account, project, day, model, batch)
        agg = self.ledger.get(key)
        if agg is None:
            agg = self.ledger[key] = [0, 0, 0, 0, 0]
        agg[0] += uncached
        agg[1] += read
        agg[2] += write
        agg[3] += out
        agg[4] += 1
        totals = self.traced_tokens[provider]
        totals["input"] += uncached
        totals["cached_input"] += read
        totals["cache_write"] += write
        totals["output"] += out

    def _tool_span(self, rows, trace_id, parent_id, res, t, tool, item_type, item_id) -> int:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        attrs = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool,
            "gen_ai.tool.type": "function",
            "gen_ai.tool.call.id": f"call_{rng.getrandbits(64):016x}",
            "gen_ai.tool.call.arguments": json.dumps(
                {
                    "id": item_id,
                    "requester": f"{first.lower()}.{last.lower()}@example.com",
                },
                separators=(",", ":"),
            ),
            "gen_ai.tool.call.result": json.dumps(
                {
                    "ok": True,
                    "holder": f"{first} {last}",
                    "ref": rng.randint(1000, 9999),
                },
                separators=(",", ":"),
            ),
        }
        end = t + rng.randint(30, 900) * 1_000_000
        rows.append(
            (
                trace_id,
                f"{rng.getrandbits(64):016x}",
                parent_id,
                f"execute_tool {tool}",
                t,
                end,
                "STATUS_CODE_UNSET",
                json.dumps(attrs, separators=(",", ":")),
                res,
            )
        )
        self.stats["distinct_spans"] += 1
        self.stats["tool_calls"] += 1
        return end + rng.randint(1, 30) * 1_000_000

    def _review_span(self, rows, trace_id, parent_id, res, t, review) -> int:
        rng = self.rng
        outcome, minutes = review
        attrs = {
            "review.outcome": outcome,
            "review.minutes": minutes,
            "user.id": f"reviewer-{rng.randint(1, 40):03d}@acme.example",
        }
        start = t + rng.randint(10, 600) * NS
        end = start + int(minutes * 60 * NS)
        rows.append(
            (
                trace_id,
                f"{rng.getrandbits(64):016x}",
                parent_id,
                "human_review",
                start,
                end,
                "STATUS_CODE_OK",
                json.dumps(attrs, separators=(",", ":")),
                res,
            )
        )
        self.stats["distinct_spans"] += 1
        self.stats["human_reviews"] += 1
        return end

    # ---------------------------------------------------------------- unlinked traffic

    def _unlinked_root(self, rows, trace_id, root_id, service, start, end, name) -> None:
        attrs = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}
        rows.append(
            (
                trace_id,
                root_id,
                "",
                f"invoke_agent {name}",
                start,
                end,
                "STATUS_CODE_OK",
                json.dumps(attrs, separators=(",", ":")),
                self.resources[service],
            )
        )
        self.stats["distinct_spans"] += 1
        self.stats["unlinked_traces"] += 1

    def _platform_batch_jobs(self, rows, day, base) -> None:
        """Nightly batch summaries: roots without work item, batch-tier calls (unlinked)."""
        rng = self.rng
        service = "platform-batch-summarizer"
        for hour, provider, model in [
            (1, "openai", "gpt-4o-mini-2024-07-18"),
            (2, "openai", "gpt-4o-mini-2024-07-18"),
            (3, "anthropic", "claude-haiku-4-5-20251001"),
        ]:
            trace_id = f"{rng.getrandbits(128):032x}"
            root_id = f"{rng.getrandbits(64):016x}"
            start = (base + hour * 3600 + rng.randint(0, 900)) * NS
            end = start
            # A batch job's requests run concurrently: each starts within the job's first hour,
            # so a job stays on its day at any scale.
            for _ in range(max(1, int(rng.gauss(12, 2) * self.scale))):
                t = start + rng.randint(1, 3600) * NS
                end = max(
                    end,
                    self._model_call(
                        rows,
                        trace_id,
                        root_id,
                        self.resources[service],
                        t,
                        "platform",
                        None,
                        "summarize",
                        provider,
                        model,
                        (2400, 220, 1024),
                        1,
                        True,
                        "other",
                    ),
                )
            self._unlinked_root(
                rows,
                trace_id,
                root_id,
                service,
                start,
                end + 60 * NS,
                "nightly_summaries",
            )

    def _fraud_poc_traces(self, rows, day, base) -> None:
        """An experiment from a service missing from services.csv (team unassigned)."""
        rng = self.rng
        for _ in range(int(4 * self.scale * rng.uniform(0.6, 1.4) + rng.random())):
            trace_id = f"{rng.getrandbits(128):032x}"
            root_id = f"{rng.getrandbits(64):016x}"
            start = int((base + rng.uniform(8 * 3600, 20 * 3600)) * NS)
            res = self.resources[UNKNOWN_SERVICE]
            t = self._tool_span(
                rows,
                trace_id,
                root_id,
                res,
                start + NS // 100,
                "fraud_graph_query",
                "other",
                "batch",
            )
            for _ in range(rng.randint(1, 2)):
                t = self._model_call(
                    rows,
                    trace_id,
                    root_id,
                    res,
                    t,
                    "claims-ops",
                    None,
                    "score",
                    "openai",
                    "gpt-4.1-mini-2025-04-14",
                    (1800, 120, 0),
                    1,
                    False,
                    "other",
                )
            self._unlinked_root(rows, trace_id, root_id, UNKNOWN_SERVICE, start, t, "fraud_signals")

    def _orphan_trace(self, rows, day, base) -> None:
        """Children of a claims run whose root span was never delivered."""
        rng = self.rng
        trace_id = f"{rng.getrandbits(128):032x}"
        missing_root = f"{rng.getrandbits(64):016x}"
        res = self.resources["claims-adjudicator"]
        before = self.stats["distinct_spans"]
        t = int((base + rng.uniform(9 * 3600, 17 * 3600)) * NS)
        t = self._tool_span(
            rows,
            trace_id,
            missing_root,
            res,
            t,
            "fetch_claim_documents",
            "claim",
            "unknown",
        )
        t = self._model_call(
            rows,
            trace_id,
            missing_root,
            res,
            t,
            "claims-ops",
            "claim_adjudication",
            "extract",
            "aws.bedrock",
            "amazon.nova-micro-v1:0",
            (5200, 650, 2048),
            1,
            False,
            "claim",
        )
        self._model_call(
            rows,
            trace_id,
            missing_root,
            res,
            t,
            "claims-ops",
            "claim_adjudication",
            "assess",
            "anthropic",
            "claude-sonnet-4-5-20250929",
            (8800, 900, 4096),
            1,
            False,
            "claim",
        )
        self.stats["orphan_traces"] += 1
        self.stats["orphan_spans"] += self.stats["distinct_spans"] - before

    def _unknown_item_run(self, rows, base) -> None:
        """A sandbox ticket run: its root names a ticket the helpdesk export does not know."""
        rng = self.rng
        item_id = str(990001 + len(self.unknown_items))
        start = int((base + rng.uniform(6 * 3600, 18 * 3600)) * NS)
        wf = WORKFLOWS["ticket"]
        self._agent_run(
            rows,
            service=wf["service"],
            workflow=wf["workflow"],
            item_type="ticket",
            item_id=item_id,
            start_ns=start,
            route="default",
            plan=wf["plan"],
            failing=False,
            review=None,
            pages=0,
        )
        self.unknown_items.append({"work_item_type": "ticket", "work_item_id": item_id})

    # ---------------------------------------------------------------- planted bad spans

    def _bad_span(self, bad_rows, anchors, what) -> None:
        """One malformed span, attached to an existing run, never counted in the ledger."""
        rng = self.rng
        if not anchors:
            return
        trace_id, root_id, service, start = anchors[rng.randrange(len(anchors))]
        res = self.resources[service]
        span_id = f"{rng.getrandbits(64):016x}"
        t = start + NS
        end = t + 400_000_000
        if what == "bad_json":
            attrs = (
                '{"gen_ai.operation.name":"execute_tool","gen_ai.tool.name":"kb_search",'
                '"gen_ai.tool.call.arguments":"{\\"q\\": \\"refund'
            )
            row = (
                trace_id,
                span_id,
                root_id,
                "execute_tool kb_search",
                t,
                end,
                "STATUS_CODE_UNSET",
                attrs,
                res,
            )
            reason = "invalid json attributes"
        elif what == "missing_span_id":
            attrs = json.dumps(
                {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "kb_search",
                },
                separators=(",", ":"),
            )
            row = (
                trace_id,
                "",
                root_id,
                "execute_tool kb_search",
                t,
                end,
                "STATUS_CODE_UNSET",
                attrs,
                res,
            )
            reason = "missing span_id"
        elif what == "negative_tokens":
            attrs = json.dumps(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 812,
                    "gen_ai.usage.output_tokens": -37,
                    "workflow.step": "qa_check",
                    "gen_ai.input.messages": self.payloads.inputs["ticket"][0],
                    "gen_ai.output.messages": self.payloads.outputs["ticket"][0],
                },
                separators=(",", ":"),
            )
            row = (
                trace_id,
                span_id,
                root_id,
                "chat gpt-4o-mini",
                t,
                end,
                "STATUS_CODE_UNSET",
                attrs,
                res,
            )
            reason = "negative token count"
        else:  # cache_exceeds
            attrs = json.dumps(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "anthropic",
                    "gen_ai.request.model": "claude-sonnet-4-5",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": 120,
                    "gen_ai.usage.cache_read.input_tokens": 900,
                    "gen_ai.usage.cache_creation.input_tokens": 300,
                    "workflow.step": "assess",
                    "gen_ai.input.messages": self.payloads.inputs["claim"][0],
                    "gen_ai.output.messages": self.payloads.outputs["claim"][0],
                },
                separators=(",", ":"),
            )
            row = (
                trace_id,
                span_id,
                root_id,
                "chat claude-sonnet-4-5",
                t,
                end,
                "STATUS_CODE_UNSET",
                attrs,
                res,
            )
            reason = "cache tokens exceed input tokens"
        bad_rows.append(row)
        self._quarantine("otel_spans", reason)

    def _quarantine(self, table: str, reason: str) -> None:
        self.quarantine[table][reason] = self.quarantine[table].get(reason, 0) + 1

    # ---------------------------------------------------------------- delivery

    def _deliver(self, rows: list[tuple], bad_rows: list[tuple]) -> None:
        """At-least-once delivery: ~1% identical duplicates, a few early partial deliveries
        (a later delivery with a later end time wins), shuffled within the day."""
        rng = self.rng_delivery
        extra = []
        for row in rows:
            roll = rng.random()
            if roll < 0.01:
                extra.append(row)
                self.stats["duplicate_spans"] += 1
            elif roll < 0.0108 and row[5] - row[4] >= 2:
                early_end = row[4] + (row[5] - row[4]) // 2
                extra.append(row[:5] + (early_end, "STATUS_CODE_UNSET") + row[7:])
                self.stats["redelivered_spans"] += 1
        rows.extend(extra)
        rows.extend(bad_rows)
        rng.shuffle(rows)
        self.spans.write_many(rows)

    # ---------------------------------------------------------------- outcome CDC

    def _style(self) -> str:
        roll = self.rng.random()
        return "Z" if roll < 0.84 else "+02:00" if roll < 0.94 else "naive"

    def _versions(self, item_type, item_id, created, last_end, klass, variant, queue, pages) -> list[dict]:
        """CDC versions of one item (full snapshots with increasing updated_at)."""
        rng = self.rng
        hour = 3600.0
        done_at = last_end + rng.uniform(60, 1800)
        if item_type == "ticket":
            base = {
                "id": item_id,
                "created": created,
                "solved": None,
                "status": "new",
                "assignee": "ai_agent",
                "escalated": False,
                "reopens": 0,
                "queue": queue,
            }
            new = dict(base, _at=created)
            if klass == "open":
                status = rng.choice(["open", "pending", "hold"])
                return [
                    new,
                    dict(
                        base,
                        _at=done_at,
                        status=status,
                        assignee=rng.choice(["ai_agent", "human", ""]),
                    ),
                ]
            if klass == "automated" or variant in ("corrected", "overridden"):
                solved = dict(
                    base,
                    _at=done_at,
                    solved=done_at,
                    status="solved",
                    assignee="human" if variant == "overridden" else "ai_agent",
                )
                versions = [solved] if rng.random() < 0.35 else [new, solved]
                if rng.random() < 0.5:
                    versions.append(
                        dict(
                            solved,
                            _at=done_at + rng.uniform(72, 100) * hour,
                            status="closed",
                        )
                    )
                return versions
            if variant == "human":
                handover = dict(base, _at=done_at, status="open", assignee="human")
                solved_at = done_at + rng.uniform(1, 8) * hour
                return [
                    new,
                    handover,
                    dict(handover, _at=solved_at, solved=solved_at, status="solved"),
                ]
            if variant == "reopened":
                solved = dict(base, _at=done_at, solved=done_at, status="solved")
                again = done_at + rng.uniform(20, 60) * hour
                return [new, solved, dict(solved, _at=again, solved=again, reopens=1)]
            # escalated
            escalated = dict(base, _at=done_at, status="open", assignee="human", escalated=True)
            solved_at = done_at + rng.uniform(2, 30) * hour
            return [
                new,
                escalated,
                dict(
                    escalated,
                    _at=solved_at,
                    solved=solved_at,
                    status=rng.choice(["solved", "closed"]),
                ),
            ]

        if item_type == "claim":
            lob = weighted(rng, [(40, "auto"), (30, "property"), (18, "health"), (12, "travel")])[1]
            currency = "USD" if lob != "travel" else rng.choice(["EUR", "GBP"])
            amount = Decimal(rng.randint(15000, 2500000)) / 100
            base = {
                "id": item_id,
                "received": created,
                "decided": None,
                "decision": "",
                "manual": False,
                "docs": rng.random() < 0.15,
                "lob": lob,
                "amount": amount,
                "currency": currency,
            }
            new = dict(base, _at=created)
            if klass == "open":
                if variant == "pended":
                    return [new, dict(base, _at=done_at, decision="pended", docs=True)]
                return [new] if rng.random() < 0.5 else [new, dict(base, _at=done_at, docs=True)]
            if variant == "withdrawn":
                decision = "withdrawn"
            else:
                decision = "approved" if rng.random() < 0.75 else "denied"
            decided_at = done_at + (rng.uniform(2, 48) * hour if variant == "manual" else 0)
            decided = dict(
                base,
                _at=decided_at,
                decided=decided_at,
                decision=decision,
                manual=variant == "manual",
            )
            if variant == "manual":
                return [new, dict(base, _at=done_at, decision="pended"), decided]
            return [decided] if rng.random() < 0.3 else [new, decided]

        ctype = weighted(
            rng,
            [
                (35, "NDA"),
                (25, "MSA"),
                (20, "SOW"),
                (10, "DPA"),
                (10, "vendor_agreement"),
            ],
        )[1]
        base = {
            "id": item_id,
            "submitted": created,
            "reviewed": None,
            "status": "in_review",
            "ctype": ctype,
            "pages": pages,
        }
        new = dict(base, _at=created)
        if klass == "open":
            return [new] if rng.random() < 0.5 else [new, dict(base, _at=done_at)]
        status = weighted(rng, [(50, "approved"), (35, "redlined"), (15, "rejected")])[1]
        reviewed_at = done_at + rng.uniform(0.5, 30) * hour
        return [new, dict(base, _at=reviewed_at, reviewed=reviewed_at, status=status)]

    def _version_row(self, item_type: str, v: dict) -> list:
        style = self._style()

        def ts(x):
            return "" if x is None else fmt_ts(x, style, millis=item_type == "claim")

        def flag(b):
            return "true" if b else "false"

        if item_type == "ticket":
            return [
                v["id"],
                ts(v["created"]),
                ts(v["_at"]),
                ts(v["solved"]),
                v["status"],
                v["assignee"],
                flag(v["escalated"]),
                v["reopens"],
                v["queue"],
            ]
        if item_type == "claim":
            return [
                v["id"],
                ts(v["received"]),
                ts(v["_at"]),
                ts(v["decided"]),
                v["decision"],
                flag(v["manual"]),
                flag(v["docs"]),
                v["lob"],
                f"{v['amount']:.2f}",
                v["currency"],
            ]
        return [
            v["id"],
            ts(v["submitted"]),
            ts(v["_at"]),
            ts(v["reviewed"]),
            v["status"],
            v["ctype"],
            v["pages"],
        ]

    def _bad_version(self, item_type: str, first: dict, what: str) -> None:
        """An extra, malformed CDC row for an item whose later versions are valid."""
        v = dict(first, _at=first["_at"] + 1)
        row = self._version_row(item_type, v)
        table = {"ticket": "tickets", "claim": "claims", "contract": "contracts"}[item_type]
        if what == "bad_ticket_status":
            row[4], reason = "archived", "unknown status"
        elif what == "bad_ticket_updated_at":
            row[2], reason = "yesterday", "unparseable updated_at"
        elif what == "bad_claim_id":
            row[0], reason = "", "missing claim_id"
        elif what == "bad_claim_decision":
            row[4], reason = "maybe", "unknown decision"
        else:
            row[4], reason = "lost", "unknown review_status"
        self.csv[table].write(row)
        self._quarantine(table, reason)

    def _count_outcome(self, item_type, current, reviews, n_runs, minutes) -> None:
        """Apply metrics.md section 5 to the current state, for _expected.json."""
        if item_type == "ticket":
            if current["status"] not in ("solved", "closed"):
                klass = "open"
            elif current["escalated"] or "overridden" in reviews:
                klass = "failed"
            elif current["assignee"] == "human" or current["reopens"] > 0 or "corrected" in reviews:
                klass = "assisted"
            else:
                klass = "automated"
        elif item_type == "claim":
            if current["decided"] is None or current["decision"] in ("pended", ""):
                klass = "open"
            elif current["decision"] == "withdrawn" or "overridden" in reviews:
                klass = "failed"
            elif current["manual"] or "corrected" in reviews:
                klass = "assisted"
            else:
                klass = "automated"
        else:
            if current["status"] == "in_review" or current["reviewed"] is None:
                klass = "open"
            elif "overridden" in reviews:
                klass = "failed"
            elif "corrected" in reviews:
                klass = "assisted"
            else:
                klass = "automated"
        stats = self.outcomes[item_type]
        stats["items"] += 1
        stats[klass] += 1
        stats["runs"] += n_runs
        stats["human_minutes"] += minutes
        if klass == "automated" and n_runs == 1:
            stats["first_pass"] += 1

    # ---------------------------------------------------------------- billing

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
                    0,
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
            start = day_epoch(day)
            for token_type, label in (
                ("input", "input"),
                ("cached_input", "cached input"),
                ("output", "output"),
            ):
                qty = billed[token_type]
                if qty <= 0:
                    continue
                amount = money(self._line_amount("openai", model, token_type, day, qty, batch), 6)
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
            # Untraced calls add requests in proportion to the untraced input tokens.
            billed_in = billed["input"] + billed["cached_input"]
            requests = round(traced[4] * billed_in / max(traced[0] + traced[1], 1))
            usage.write(
                [
                    start,
                    start + 86400,
                    project,
                    model,
                    "true" if batch else "false",
                    billed_in,
                    billed["cached_input"],
                    billed["output"],
                    max(requests, 1),
                ]
            )
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
            [
                start,
                start + 86400,
                platform_project,
                "gpt-4.1-nano-2025-04-14",
                "false",
                1200,
                0,
                -150,
                3,
            ]
        )
        self._quarantine("openai_usage", "negative token count")

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

    # ---------------------------------------------------------------- _expected.json

    def _write_expected(self) -> None:
        counts = {t: s.rows for t, s in self.csv.items()}
        counts["otel_spans"] = self.spans.rows
        provider, model, day, token_type, batch = self.overcount_pool
        s = self.stats
        expected = {
            "seed": self.args.seed,
            "scale": self.scale,
            "window": {
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "export_at": dt.datetime.fromtimestamp(self.export_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "billed_through": self.billed_days[-1].isoformat(),
            },
            "spans_file": self.spans.path.name,
            "row_counts": {t: counts[t] for t in LANDING_COLUMNS},
            "quarantine": self.quarantine,
            "distinct_spans": s["distinct_spans"],
            "duplicate_spans": s["duplicate_spans"],
            "redelivered_spans": s["redelivered_spans"],
            "model_calls": s["model_calls"],
            "errored_calls": s["errored_calls"],
            "batch_calls": s["batch_calls"],
            "tool_calls": s["tool_calls"],
            "human_reviews": s["human_reviews"],
            "unlinked_traces": s["unlinked_traces"],
            "orphan_traces": s["orphan_traces"],
            "orphan_spans": s["orphan_spans"],
            "unknown_services": [UNKNOWN_SERVICE],
            "unknown_work_items": self.unknown_items,
            "unpriced_models": [{"provider": UNPRICED_MODEL[0], "model": UNPRICED_MODEL[1]}],
            "routing_excess_calls": s["routing_excess_calls"],
            "context_bloat_calls": s["context_bloat_calls"],
            "unbilled_days": [d.isoformat() for d in self.days if d > self.billed_days[-1]],
            "overcounted_pools": [
                {
                    "provider": provider,
                    "model": model,
                    "charge_date": day.isoformat(),
                    "token_type": token_type,
                    "batch": batch,
                }
            ],
            "price_changes": self.seeds.price_changes,
            "traced_tokens": {p: dict(v) for p, v in sorted(self.traced_tokens.items())},
            "billed_totals": {
                p: {c: fmt_money(a, 6) for c, a in sorted(v.items())} for p, v in sorted(self.billed_totals.items())
            },
            "quarantined_billing_rows": self.quarantined_billing,
            "outcomes": {
                t: {k: (fmt_money(v, 1) if isinstance(v, Decimal) else v) for k, v in o.items()}
                for t, o in self.outcomes.items()
            },
        }
        expected.update(self.expected)
        with open(self.out / "_expected.json", "w", encoding="utf-8") as fh:
            json.dump(expected, fh, indent=2, sort_keys=True)
            fh.write("\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="directory to write the landing files to")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume multiplier: 1 is about 30k spans, 300 about 10M",
    )
    parser.add_argument("--start", default="2026-08-03", help="first day (UTC), YYYY-MM-DD")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--spans-format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--row-group-size", type=int, default=200_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.weeks < 1 or args.scale <= 0:
        parser.error("--weeks must be >= 1 and --scale > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    Generator(args, Seeds.load(SEEDS_DIR)).run()


if __name__ == "__main__":
    main()
