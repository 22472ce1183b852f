"""Property-based tests (hypothesis): random but valid landing data of varied shape, one dbt build per
example, and the money invariants of metrics.md 3, 6 and 12 hold on every example.

Each example is a small landing directory written with the money fixture's seeds
(tests/fixtures/money/seeds). The strategy always plants every allocation edge (a pool with f < 1,
pools with f = 1 because tracing saw as many or more tokens than were billed, a pool whose usage
export says zero tokens, FOCUS lines with and without ConsumedQuantity, a batch pool, cache reads and
writes, calls with no bill, a bill with no calls), every outcome class, retries, several teams (one
service unmapped), orphan traces and runs naming an unknown work item, and draws everything else:
days (across a month end, a price change and an FX change), token counts, amounts, how a type's
money is split across projects, alias spellings, credits, non-token charges, duplicate and
superseded deliveries, a little quarantine noise (which must not break the build) and whether spans
arrive as CSV or Parquet.

The expected numbers come from an oracle written here in Python from metrics.md (a second,
independent implementation of billing lines, pools and allocation, ledger ownership and outcome
classes), and the project's own marts must also agree among themselves:

- the build succeeds (warnings allowed: quarantine noise warns by design);
- every billed dollar lands in the ledger exactly once, per provider and month (oracle = billing
  lines = ledger, quarantined categories aside), and every ledger cell (provider, day, team,
  category) holds the oracle's USD;
- per pool, B, Qt and f are the oracle's, the calls receive exactly B × f, never more than B when
  B ≥ 0;
- every model call is there with the oracle's team, tokens and allocated cost; Σ
  fct_model_calls.allocated_cost_usd = Σ ledger allocated;
- every work item has the oracle's outcome class, runs and AI cost; in mart_cost_per_outcome,
  cost per successful outcome × successes = AI cost;
- end to end (metrics.md 6): AI cost of completed work + open work + unlinked + untraced +
  non-token = billed USD.

Each example costs one dbt build (15-20 s on 2 cores), so examples are few (6 by default,
``TOKEN_LEDGER_PROPERTY_EXAMPLES``), derandomized (the same examples on every run and in CI) and not
shrunk (a shrink step is another build; set ``TOKEN_LEDGER_PROPERTY_SHRINK=1`` to shrink a failure).
A failing example leaves its landing directory under pytest's basetemp; the failure names it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from harness import Build, build_project, fixture_dir, require_success
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

MONEY = fixture_dir("money")
SEEDS_DIR = MONEY / "seeds"
TOLERANCE = 1e-6
EXAMPLES = int(os.environ.get("TOKEN_LEDGER_PROPERTY_EXAMPLES", "6"))
SHRINK = os.environ.get("TOKEN_LEDGER_PROPERTY_SHRINK", "") not in ("", "0")

TOKEN_TYPES = ("input", "cached_input", "cache_write", "output")
FIRST_DAY = dt.date(2026, 6, 8)  # the gpt-x price changes on 06-10, EUR's rate on 06-15, a month ends
DAYS = 26  # 2026-06-08 .. 2026-07-03
NS = 1_000_000_000
# Unit tests read no landing data: each example runs models, seeds and data tests only.
BUILD_ARGS = ("--exclude-resource-type", "unit_test")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# The landing contract's columns, as the money fixture writes them (every raw table, header row first).
HEADERS: dict[str, list[str]] = {}
for _path in sorted((MONEY / "landing").glob("*.csv")):
    with open(_path, newline="", encoding="utf-8") as _handle:
        HEADERS[_path.stem] = next(csv.reader(_handle))

# ---------------------------------------------------------------------------------------------
# the seeds, read once: the oracle resolves names, rates and owners from the same files dbt loads

FX_ROWS = sorted(
    (dt.date.fromisoformat(r["rate_date"]), r["currency"].upper(), float(r["usd_per_unit"]))
    for r in _read_csv(SEEDS_DIR / "fx_rates.csv")
)
ALIASES = {(r["provider"], r["alias"]): r["model"] for r in _read_csv(SEEDS_DIR / "model_aliases.csv")}
SERVICES = {r["service_name"]: r["team_id"] for r in _read_csv(SEEDS_DIR / "services.csv")}
BILLING_ACCOUNTS = [
    (r["provider"], r["billing_account_id"], r["project_id"], r["team_id"])
    for r in _read_csv(SEEDS_DIR / "billing_accounts.csv")
]
BPO_TYPES = {r["work_item_type"] for r in _read_csv(SEEDS_DIR / "bpo_rates.csv")}


def fx_rate(currency: str, day: dt.date) -> float | None:
    """USD per unit: the latest rate on or before the day; USD needs no row (metrics.md)."""
    currency = currency.upper()
    if currency == "USD":
        return 1.0
    rates = [rate for rate_date, cur, rate in FX_ROWS if cur == currency and rate_date <= day]
    return rates[-1] if rates else None


def canonical(provider: str, spelling: str) -> str:
    return ALIASES.get((provider, spelling), spelling)


def owner_team(provider: str, account: str, project: str) -> str:
    """metrics.md 12: the project's row, else the account's row with an empty project, else unassigned."""
    if project:
        for p, a, proj, team in BILLING_ACCOUNTS:
            if (p, a, proj) == (provider, account, project):
                return team
    for p, a, proj, team in BILLING_ACCOUNTS:
        if (p, a) == (provider, account) and proj == "":
            return team
    return "unassigned"


def service_team(service: str | None) -> str:
    return SERVICES.get(service or "", "unassigned")


# ---------------------------------------------------------------------------------------------
# the universe the strategy draws from (names known to the money fixture's seeds)


@dataclass(frozen=True)
class Provider:
    name: str
    export: str  # openai | anthropic | focus
    models: tuple[tuple[str, ...], ...]  # spellings of each model (first: as bills write it)
    accounts: tuple[tuple[str, str], ...]  # (billing account, project/workspace)
    call_types: tuple[str, ...]  # token types a call of this provider can carry
    billed_types: tuple[str, ...]  # token types its bills can carry
    batch: bool
    currencies: tuple[str, ...]


PROVIDERS = {
    "openai": Provider(
        "openai",
        "openai",
        (("gpt-x-2025", "gpt-x"), ("mystery-model",)),  # mystery-model: in no alias or price row
        (("org-1", "proj-a"), ("org-1", "proj-b"), ("org-2", "proj-z")),
        ("input", "cached_input", "output"),
        ("input", "cached_input", "output"),
        True,
        ("usd", "USD"),
    ),
    "anthropic": Provider(
        "anthropic",
        "anthropic",
        (("claude-y",),),
        (("ant-org-1", "wrk-1"), ("ant-org-1", "")),
        TOKEN_TYPES,
        TOKEN_TYPES,
        True,
        ("USD",),
    ),
    "aws.bedrock": Provider(
        "aws.bedrock",
        "focus",
        (("bedrock-m",),),  # priced for input and output only: cache tokens make a call unpriced
        (("aws-111", ""), ("aws-999", "")),
        TOKEN_TYPES,
        TOKEN_TYPES,
        False,
        ("USD",),
    ),
    "azure.ai.openai": Provider(
        "azure.ai.openai",
        "focus",
        (("az-gpt",),),
        (("az-222", ""),),
        ("input", "output"),
        ("input", "output"),
        False,
        ("EUR", "GBP"),
    ),
}
FOCUS_SERVICE = {
    "aws.bedrock": ("AWS", "Amazon Bedrock"),
    "azure.ai.openai": ("Microsoft", "Azure OpenAI Service"),
}
FOCUS_METER = {
    "input": "Input Tokens",
    "cached_input": "Cache Read Input Tokens",
    "cache_write": "Cache Write Input Tokens",
    "output": "Output Tokens",
}
OPENAI_TYPE = {"input": "input", "cached_input": "cached input", "output": "output"}
ANTHROPIC_TYPE = {
    "input": "uncached_input_tokens",
    "cached_input": "cache_read_input_tokens",
    "output": "output_tokens",
}
SERVICE_NAMES = ("svc-alpha", "svc-beta", "svc-gamma")  # svc-gamma is in no services row
# Kinds of pool a cell plants (how its billed quantity compares with what tracing saw).
QUANTITY_KINDS = ("f_lt_1", "f_eq_1_over", "f_eq_1_exact", "zero_quantity", "no_quantity")
CELL_KINDS = (*QUANTITY_KINDS, "unbilled", "bill_only")
# Every example plants these cells (provider, model index, batch, kind); the numbers are drawn.
MANDATORY_CELLS = (
    ("openai", 0, False, "f_lt_1"),
    ("openai", 0, True, "f_lt_1"),
    ("openai", 0, False, "f_eq_1_over"),
    ("anthropic", 0, False, "f_eq_1_exact"),
    ("anthropic", 0, False, "zero_quantity"),
    ("aws.bedrock", 0, False, "no_quantity"),
    ("aws.bedrock", 0, False, "f_lt_1"),
    ("azure.ai.openai", 0, False, "f_lt_1"),
    ("anthropic", 0, True, "unbilled"),
    ("openai", 1, False, "bill_only"),
)


def day_of(index: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=index)


def midnight_ns(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * NS


def iso(day: dt.date, seconds: int = 0) -> str:
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# what a landing directory is made of, before rendering


@dataclass
class Call:
    span_id: str
    provider: str
    spelling: str
    day: dt.date
    start_ns: int
    end_ns: int
    batch: bool
    tokens: dict[str, int]  # input = uncached input
    error: bool = False
    step: str = "classify"
    service: str = "svc-alpha"
    operation: str = "chat"
    request_spelling: str | None = None  # when the response model differs from the request model

    @property
    def model(self) -> str:
        return canonical(self.provider, self.spelling)


@dataclass
class Trace:
    trace_id: str
    root_span_id: str | None  # None: no root span (an orphan trace)
    service: str
    work_item: tuple[str, str] | None
    workflow: str
    anchor_ns: int
    calls: list[Call] = field(default_factory=list)
    reviews: list[tuple[str, int]] = field(default_factory=list)  # (outcome, minutes)
    tools: int = 0

    @property
    def root_start_ns(self) -> int:
        return min([call.start_ns for call in self.calls] + [self.anchor_ns]) - NS

    @property
    def root_end_ns(self) -> int:
        return max([call.end_ns for call in self.calls] + [self.anchor_ns + 60 * NS]) + NS


@dataclass
class CostRow:
    """One row of a cost export. amount is in the billing currency (Anthropic: already in dollars;
    rendered in cents). category is the project's charge category."""

    provider: str
    account: str
    project: str
    day: dt.date
    spelling: str | None
    token_type: str | None
    batch: bool
    category: str
    currency: str
    amount: Decimal
    quantity: int | None = None  # FOCUS ConsumedQuantity
    anthropic_type: str | None = None  # the raw token_type (5m / 1h cache writes)
    cost_type: str = "tokens"  # Anthropic
    focus_category: str = "Usage"
    focus_meter: str = ""
    focus_unit: str = ""
    openai_label: str | None = None  # a line_item token type the project cannot read
    unreadable: bool = False  # quarantined in staging (not a billing line)

    @property
    def model(self) -> str | None:
        return canonical(self.provider, self.spelling) if self.spelling else None


@dataclass
class UsageRow:
    provider: str
    project: str
    day: dt.date
    spelling: str
    batch: bool
    quantities: dict[str, int]  # by token type; cache_write split into 5m / 1h for Anthropic
    cache_write_5m: int = 0
    tier: str = "standard"

    @property
    def model(self) -> str:
        return canonical(self.provider, self.spelling)


@dataclass
class WorkItem:
    work_item_type: str
    work_item_id: str
    versions: list[dict[str, str]]  # CDC rows; the one with the latest updated_at is current

    @property
    def current(self) -> dict[str, str]:
        return max(self.versions, key=lambda row: row["updated_at"])


@dataclass
class Landing:
    traces: list[Trace]
    cost_rows: list[CostRow]
    usage_rows: list[UsageRow]
    work_items: list[WorkItem]
    invoices: list[dict[str, str]]
    duplicate_spans: list[str]  # span ids delivered twice, identically
    superseded_spans: list[str]  # span ids with an older, different delivery
    duplicate_cost_rows: list[int]  # indexes of cost rows delivered twice
    quarantined_spans: list[dict[str, Any]]  # span rows that must be quarantined
    spans_format: str
    cells: list[tuple[str, str, dt.date, bool, str]]
    duplicate_usage_rows: list[int] = field(default_factory=list)  # indexes of usage rows delivered twice

    @property
    def calls(self) -> list[Call]:
        return [call for trace in self.traces for call in trace.calls]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis's printer: the shape only
        printer.text(repr(self))

    def __repr__(self) -> str:  # hypothesis prints the example: keep it to the shape
        return (
            f"Landing({len(self.traces)} traces, {len(self.calls)} calls, {len(self.cost_rows)} cost rows, "
            f"{len(self.usage_rows)} usage rows, {len(self.work_items)} work items, spans as {self.spans_format}, "
            f"cells={[(p, m, d.isoformat(), b, k) for p, m, d, b, k in self.cells]})"
        )


# ---------------------------------------------------------------------------------------------
# the strategy


class _Ids:
    def __init__(self) -> None:
        self.spans = 0
        self.traces = 0
        self.skus = 0

    def span(self) -> str:
        self.spans += 1
        return f"{self.spans:016x}"

    def trace(self) -> str:
        self.traces += 1
        return f"{self.traces:032x}"

    def sku(self) -> str:
        self.skus += 1
        return f"SKU-{self.skus:04d}"


def _cents(draw: st.DrawFn, low: int = 1, high: int = 4_000) -> Decimal:
    return Decimal(draw(st.integers(low, high))) / 100


def _split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    if parts == 1:
        return [total]
    first = draw(st.integers(0, total))
    return [first, total - first]


def _target_quantity(draw: st.DrawFn, kind: str, traced: int) -> int | None:
    """The billed quantity a cell of this kind reports for a token type that tracing saw `traced` of."""
    if kind == "no_quantity":
        return None
    if kind == "zero_quantity":
        return 0
    if traced == 0:
        return draw(st.integers(1, 50_000))
    if kind == "f_lt_1":
        return math.ceil(traced * draw(st.sampled_from([1.25, 2, 3, 10]))) + draw(st.integers(0, 3))
    if kind == "f_eq_1_over":
        return max(1, math.floor(traced * draw(st.sampled_from([0.25, 0.5, 0.9]))))
    return traced  # f_eq_1_exact


def _draw_call(draw: st.DrawFn, ids: _Ids, provider: Provider, model: tuple[str, ...], day: dt.date, batch: bool):
    tokens = {t: 0 for t in TOKEN_TYPES}
    for token_type in provider.call_types:
        tokens[token_type] = draw(st.one_of(st.just(0), st.integers(1, 20_000)))
    if not any(tokens.values()):
        tokens["output"] = draw(st.integers(1, 5_000))
    # near midnight on purpose: the call date is the UTC date of the call's start
    offset = draw(st.sampled_from([0, 1, 3_600, 43_200, 86_340, 86_399]))
    start = midnight_ns(day) + offset * NS + draw(st.integers(0, NS - 1))
    spelling = draw(st.sampled_from(model))
    call = Call(
        span_id=ids.span(),
        provider=provider.name,
        spelling=spelling,
        day=day,
        start_ns=start,
        end_ns=start + draw(st.integers(1, 90)) * NS,
        batch=batch,
        tokens=tokens,
        error=draw(st.booleans()) and draw(st.booleans()),
        step=draw(st.sampled_from(["classify", "extract", "draft"])),
        operation=draw(st.sampled_from(["chat", "chat", "text_completion", "generate_content"])),
    )
    if provider.name == "openai" and spelling == "gpt-x" and draw(st.booleans()):
        call.request_spelling = "gpt-x-latest"  # the response model wins
    return call


def _draw_cell(draw: st.DrawFn, ids: _Ids, provider: Provider, model_index: int, day: dt.date, batch: bool, kind: str):
    """Calls of one (provider, model, day, batch) and the bill and usage rows for them."""
    model = provider.models[model_index]
    calls = []
    if kind != "bill_only":
        calls = [_draw_call(draw, ids, provider, model, day, batch) for _ in range(draw(st.integers(1, 3)))]
    traced = {t: sum(call.tokens[t] for call in calls) for t in TOKEN_TYPES}
    rows: list[CostRow] = []
    usage: list[UsageRow] = []
    if kind == "unbilled":
        return calls, rows, usage
    quantity_kind = draw(st.sampled_from(QUANTITY_KINDS)) if kind == "bill_only" else kind
    billed_types = []
    for token_type in provider.billed_types:
        if traced[token_type]:
            billed = draw(st.sampled_from([True, True, True, False]))  # now and then a type stays unbilled
        else:
            billed = draw(st.booleans())  # a billed type no call used: f = 0
        if billed:
            billed_types.append(token_type)
    if not billed_types:
        billed_types = [provider.billed_types[-1]]
    account_indexes = draw(st.lists(st.integers(0, len(provider.accounts) - 1), min_size=1, max_size=2, unique=True))
    accounts = [provider.accounts[i] for i in account_indexes]
    currency = draw(st.sampled_from(provider.currencies))
    per_project: dict[str, dict[str, int]] = defaultdict(dict)
    for token_type in billed_types:
        target = _target_quantity(draw, quantity_kind, traced[token_type])
        shares = _split(draw, target, len(accounts)) if target is not None else [None] * len(accounts)
        amounts = [_cents(draw) for _ in accounts]
        if provider.export == "openai" and len(amounts) == 2 and draw(st.booleans()):
            # a credit on a token line stays usage_tokens and reduces B (DECISIONS 7); kept smaller than
            # the pool's other line so that B stays >= 0 here (a negative B: see test_negative_pool_...)
            amounts[1] = -min(amounts[1], amounts[0] - Decimal("0.01"))
        for (account, project), share, amount in zip(accounts, shares, amounts, strict=True):
            row = CostRow(
                provider=provider.name,
                account=account,
                project=project,
                day=day,
                spelling=model[0] if provider.export != "openai" else draw(st.sampled_from(model)),
                token_type=token_type,
                batch=batch,
                category="usage_tokens",
                currency=currency,
                amount=amount,
            )
            if provider.export == "focus":
                row.quantity = share
                row.focus_meter = FOCUS_METER[token_type]
                row.focus_unit = "Tokens"
            if provider.export == "anthropic" and token_type == "cache_write":
                # two raw rows on one billing-line grain: merged into one line (metrics.md 12)
                five_minutes = Decimal(draw(st.integers(0, int(amount * 100)))) / 100
                rows.append(
                    CostRow(
                        **{
                            **row.__dict__,
                            "amount": five_minutes,
                            "anthropic_type": "cache_creation.ephemeral_5m_input_tokens",
                        }
                    )
                )
                row.amount = amount - five_minutes
                row.anthropic_type = "cache_creation.ephemeral_1h_input_tokens"
            elif provider.export == "anthropic":
                row.anthropic_type = ANTHROPIC_TYPE[token_type]
            rows.append(row)
            if share is not None:
                per_project[project][token_type] = share
    # now and then only some of a pool's lines have a quantity: Qb is the sum of those (metrics.md 12)
    partial = len(accounts) == 2 and quantity_kind != "no_quantity" and draw(st.booleans())
    if provider.export == "focus" and partial:
        for row in rows:
            if (row.account, row.project) == accounts[1]:
                row.quantity = None
    if provider.export != "focus" and quantity_kind != "no_quantity":
        for account, project in accounts[:1] if partial else accounts:
            if project not in per_project and quantity_kind != "zero_quantity":
                continue
            quantities = {t: per_project[project].get(t, 0) for t in TOKEN_TYPES}
            usage.append(
                UsageRow(
                    provider=provider.name,
                    project=project,
                    day=day,
                    spelling=draw(st.sampled_from(model)),
                    batch=batch,
                    quantities=quantities,
                    cache_write_5m=draw(st.integers(0, quantities["cache_write"])),
                    tier="batch" if batch else draw(st.sampled_from(["standard", "priority"])),
                )
            )
    return calls, rows, usage


def _ticket(draw: st.DrawFn, ticket_id: str, day: dt.date, state: dict[str, Any] | None) -> WorkItem:
    state = state or {
        "status": draw(st.sampled_from(["solved", "closed", "open", "pending", "new", "hold"])),
        "escalated": draw(st.booleans()),
        "assignee_type": draw(st.sampled_from(["ai_agent", "human", ""])),
        "reopens": draw(st.sampled_from([0, 0, 1, 2])),
    }
    done = state["status"] in ("solved", "closed")
    solved_at = iso(day, 50_000) if done and (state["status"] == "solved" or draw(st.booleans())) else ""
    current = {
        "ticket_id": ticket_id,
        "created_at": iso(day, 100),
        "updated_at": iso(day, 60_000),
        "solved_at": solved_at,
        "status": state["status"],
        "assignee_type": state["assignee_type"],
        "escalated": "true" if state["escalated"] else "false",
        "reopens": str(state["reopens"]),
        "queue": draw(st.sampled_from(["billing", "tech"])),
    }
    versions = [current]
    if draw(st.booleans()):  # an older CDC version that the latest supersedes
        versions.insert(0, {**current, "updated_at": iso(day, 200), "solved_at": "", "status": "open"})
    return WorkItem("ticket", ticket_id, versions)


def _claim(draw: st.DrawFn, claim_id: str, day: dt.date, state: dict[str, Any] | None) -> WorkItem:
    state = state or {
        "decision": draw(st.sampled_from(["approved", "denied", "pended", "withdrawn", ""])),
        "manual_correction": draw(st.booleans()),
    }
    decided = state["decision"] not in ("",) and (state["decision"] != "pended" or draw(st.booleans()))
    current = {
        "claim_id": claim_id,
        "received_at": iso(day, 100),
        "updated_at": iso(day, 70_000),
        "decided_at": iso(day, 65_000) if decided else "",
        "decision": state["decision"],
        "manual_correction": "true" if state["manual_correction"] else "false",
        "exception_docs_required": "false",
        "line_of_business": "auto",
        "claimed_amount": "1200.00",
        "currency": "USD",
    }
    versions = [current]
    if draw(st.booleans()):
        versions.insert(0, {**current, "updated_at": iso(day, 300), "decided_at": "", "decision": ""})
    return WorkItem("claim", claim_id, versions)


# Every example has a work item of each outcome rule (type, state in the outcome system, review outcome).
MANDATORY_ITEMS = (
    ("ticket", {"status": "solved", "escalated": False, "assignee_type": "ai_agent", "reopens": 0}, None),
    ("ticket", {"status": "solved", "escalated": True, "assignee_type": "ai_agent", "reopens": 0}, None),  # failed
    ("ticket", {"status": "closed", "escalated": False, "assignee_type": "human", "reopens": 0}, None),  # assisted
    ("ticket", {"status": "solved", "escalated": False, "assignee_type": "", "reopens": 1}, None),  # assisted
    ("ticket", {"status": "solved", "escalated": False, "assignee_type": "ai_agent", "reopens": 0}, "corrected"),
    ("ticket", {"status": "pending", "escalated": False, "assignee_type": "ai_agent", "reopens": 0}, None),  # open
    ("claim", {"decision": "approved", "manual_correction": False}, None),  # automated
    ("claim", {"decision": "denied", "manual_correction": False}, "approved"),  # automated
    ("claim", {"decision": "withdrawn", "manual_correction": False}, None),  # failed
    ("claim", {"decision": "approved", "manual_correction": False}, "overridden"),  # failed
    ("claim", {"decision": "approved", "manual_correction": True}, None),  # assisted
    ("claim", {"decision": "pended", "manual_correction": False}, None),  # open
)


@st.composite
def landings(draw: st.DrawFn) -> Landing:
    ids = _Ids()

    # cells: (provider, model, day, batch) with their calls, bill and usage rows
    cell_specs = list(MANDATORY_CELLS)
    for _ in range(draw(st.integers(0, 4))):
        provider = draw(st.sampled_from(sorted(PROVIDERS)))
        spec = PROVIDERS[provider]
        cell_specs.append(
            (
                provider,
                draw(st.integers(0, len(spec.models) - 1)),
                spec.batch and draw(st.booleans()),
                draw(st.sampled_from(CELL_KINDS)),
            )
        )
    taken: set[tuple[str, int, int, bool]] = set()
    calls: list[Call] = []
    cost_rows: list[CostRow] = []
    usage_rows: list[UsageRow] = []
    cells = []
    for provider_name, model_index, batch, kind in cell_specs:
        day_index = draw(st.integers(0, DAYS - 1))
        while (provider_name, model_index, day_index, batch) in taken:
            day_index = (day_index + 1) % DAYS
        taken.add((provider_name, model_index, day_index, batch))
        provider = PROVIDERS[provider_name]
        cell_calls, rows, usage = _draw_cell(draw, ids, provider, model_index, day_of(day_index), batch, kind)
        calls += cell_calls
        cost_rows += rows
        usage_rows += usage
        cells.append((provider_name, provider.models[model_index][0], day_of(day_index), batch, kind))

    # non-token charges: carried whole by the account's team
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["web_search", "Tax", "Credit", "Purchase", "Adjustment", "Hours"]))
        day = day_of(draw(st.integers(0, DAYS - 1)))
        if what == "web_search":
            account, project = draw(st.sampled_from(PROVIDERS["anthropic"].accounts))
            same = [
                r
                for r in cost_rows
                if (r.cost_type, r.account, r.project, r.day) == ("web_search", account, project, day)
            ]
            if same:  # the report has one web_search row per day and workspace (two would be a re-delivery)
                same[0].amount += _cents(draw)
                continue
            cost_rows.append(
                CostRow("anthropic", account, project, day, None, None, False, "usage_other", "USD", _cents(draw))
            )
            cost_rows[-1].cost_type = "web_search"
            continue
        provider = PROVIDERS[draw(st.sampled_from(["aws.bedrock", "azure.ai.openai"]))]
        account, project = draw(st.sampled_from(provider.accounts))
        amount = _cents(draw)
        category = "usage_other" if what == "Hours" else what.lower()
        if what == "Credit":
            amount = -amount
        row = CostRow(
            provider.name,
            account,
            project,
            day,
            None,
            None,
            False,
            category,
            draw(st.sampled_from(provider.currencies)),
            amount,
        )
        row.focus_category = "Usage" if what == "Hours" else what
        if what == "Hours":
            row.focus_meter, row.focus_unit, row.quantity = "Provisioned Throughput", "Hours", 1
        cost_rows.append(row)

    # an OpenAI line item outside the grammar: real money, usage_other and flagged, never quarantined
    # (real-inputs.md 4); it must not break the build
    if draw(st.booleans()):
        row = CostRow("openai", "org-1", "proj-a", day_of(draw(st.integers(0, DAYS - 1))), "gpt-x-2025", None, False,
                      "usage_other", "USD", _cents(draw))  # fmt: skip
        row.openai_label = "reasoning"
        cost_rows.append(row)
    # quarantine noise: money the invariants exclude, and which must not break the build
    if draw(st.booleans()):  # a CHF token line: no FX rate, quarantined downstream, not part of its pool
        row = CostRow("aws.bedrock", "aws-111", "", day_of(draw(st.integers(0, DAYS - 1))), "bedrock-m", "input",
                      False, "usage_tokens", "CHF", _cents(draw), quantity=draw(st.integers(1, 9_000)))  # fmt: skip
        row.focus_meter, row.focus_unit = FOCUS_METER["input"], "Tokens"
        cost_rows.append(row)

    # work items and their runs
    work_items: list[WorkItem] = []
    traces: list[Trace] = []
    extra = [(draw(st.sampled_from(["ticket", "claim"])), None, None) for _ in range(draw(st.integers(0, 3)))]
    for number, (work_item_type, state, review) in enumerate(MANDATORY_ITEMS + tuple(extra), start=1):
        day = day_of(draw(st.integers(0, DAYS - 1)))
        if work_item_type == "ticket":
            item = _ticket(draw, f"TK-{number}", day, state)
            workflow = "ticket_triage"
        else:
            item = _claim(draw, f"CL-{number}", day, state)
            workflow = "claim_adjudication"
        work_items.append(item)
        runs = []
        for attempt in range(draw(st.integers(1, 3))):  # retries: several runs of one work item
            runs.append(
                Trace(
                    trace_id=ids.trace(),
                    root_span_id=ids.span(),
                    service=draw(st.sampled_from(SERVICE_NAMES)),
                    work_item=(work_item_type, item.work_item_id),
                    workflow=workflow,
                    anchor_ns=midnight_ns(day) + (7_200 + 600 * attempt) * NS,
                    tools=draw(st.integers(0, 1)),
                )
            )
        if state is None and draw(st.booleans()):
            review = draw(st.sampled_from(["approved", "corrected", "overridden"]))
        if review:
            draw(st.sampled_from(runs)).reviews.append((review, draw(st.integers(1, 45))))
        traces += runs
    # a run naming a work item nobody knows, an ad-hoc agent run, and a trace without its root
    anchor = midnight_ns(day_of(draw(st.integers(0, DAYS - 1)))) + 3_600 * NS
    traces.append(Trace(ids.trace(), ids.span(), "svc-beta", ("ticket", "TK-404"), "ticket_triage", anchor))
    traces.append(Trace(ids.trace(), ids.span(), draw(st.sampled_from(SERVICE_NAMES)), None, "adhoc", anchor))
    traces.append(Trace(ids.trace(), None, draw(st.sampled_from(SERVICE_NAMES)), None, "", anchor))

    # every call lands in some trace; its own service is the root's, or drawn for an orphan
    for call in calls:
        trace = traces[draw(st.integers(0, len(traces) - 1))]
        trace.calls.append(call)
        call.service = trace.service if trace.root_span_id else draw(st.sampled_from(SERVICE_NAMES))

    duplicate_spans = draw(st.lists(st.sampled_from([c.span_id for c in calls]), max_size=2, unique=True))
    superseded_spans = draw(st.lists(st.sampled_from([c.span_id for c in calls]), max_size=2, unique=True))
    duplicate_cost_rows = draw(
        st.lists(st.integers(0, len(cost_rows) - 1), max_size=2, unique=True) if cost_rows else st.just([])
    )

    quarantined_spans = []
    host = traces[0]
    if draw(st.booleans()):
        quarantined_spans.append(
            {"attributes": '{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5', "trace": host}
        )
    if draw(st.booleans()):
        attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-x",
            "gen_ai.usage.input_tokens": -10,
            "gen_ai.usage.output_tokens": 5,
        }
        quarantined_spans.append({"attributes": json.dumps(attributes), "trace": host})

    _make_distinct(cost_rows)
    landing = Landing(
        traces=traces,
        cost_rows=cost_rows,
        usage_rows=usage_rows,
        work_items=work_items,
        invoices=[],
        duplicate_spans=duplicate_spans,
        superseded_spans=superseded_spans,
        duplicate_cost_rows=duplicate_cost_rows,
        quarantined_spans=quarantined_spans,
        spans_format=draw(st.sampled_from(["csv", "parquet"])),
        cells=cells,
        duplicate_usage_rows=draw(
            st.lists(st.integers(0, len(usage_rows) - 1), max_size=2, unique=True) if usage_rows else st.just([])
        ),
    )
    landing.invoices = _draw_invoices(draw, landing)
    return landing


def _make_distinct(cost_rows: list[CostRow]) -> None:
    """Two rows meant as two billing rows must not render identically (they would be one delivered
    twice): bump the later one's amount by a cent. Planted duplicates are added when writing."""
    skus = _Ids()
    rendered: list[dict[str, Any]] = []
    for row in cost_rows:
        while (text := _render_cost_row(row, skus)[1]) in rendered:
            row.amount += Decimal("0.01")
            skus.skus -= 1
        rendered.append(text)


def _draw_invoices(draw: st.DrawFn, landing: Landing) -> list[dict[str, str]]:
    """Invoices for some (provider, account, month): matching their lines, or off by a drawn amount."""
    groups: dict[tuple[str, str, dt.date], list[CostRow]] = defaultdict(list)
    for row in landing.cost_rows:
        if not row.unreadable:
            groups[(row.provider, row.account, row.day.replace(day=1))].append(row)
    invoices = []
    for number, ((provider, account, month), rows) in enumerate(sorted(groups.items())):
        if not draw(st.booleans()):
            continue
        currency = rows[0].currency.upper()
        subtotal = sum((r.amount for r in rows if r.currency.upper() == currency and r.category != "tax"), Decimal(0))
        tax = sum((r.amount for r in rows if r.currency.upper() == currency and r.category == "tax"), Decimal(0))
        subtotal += draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-3.50")]))
        last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        invoices.append(
            {
                "invoice_id": f"INV-{number:03d}",
                "provider": provider,
                "billing_account_id": account,
                "period_start": month.isoformat(),
                "period_end": last.isoformat(),
                "currency": currency,
                "subtotal": str(subtotal),
                "tax": str(tax),
                "total": str(subtotal + tax),
                "issued_at": iso(last + dt.timedelta(days=3), 32_400),
            }
        )
    return invoices


# ---------------------------------------------------------------------------------------------
# rendering: the landing files


def _call_attributes(call: Call, total_tokens: dict[str, int]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": call.operation,
        "gen_ai.provider.name": call.provider,
        "gen_ai.request.model": call.request_spelling or call.spelling,
        "gen_ai.usage.input_tokens": total_tokens["input"] + total_tokens["cached_input"] + total_tokens["cache_write"],
        "gen_ai.usage.output_tokens": total_tokens["output"],
        "workflow.step": call.step,
    }
    if call.request_spelling:
        attributes["gen_ai.response.model"] = call.spelling
    if total_tokens["cached_input"]:
        attributes["gen_ai.usage.cache_read.input_tokens"] = total_tokens["cached_input"]
    if total_tokens["cache_write"]:
        attributes["gen_ai.usage.cache_creation.input_tokens"] = total_tokens["cache_write"]
    if call.batch:
        attributes["gen_ai.request.service_tier"] = "batch"
    if call.error:
        attributes["error.type"] = "timeout"
    return attributes


def span_rows(landing: Landing) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def span(
        trace: Trace, span_id: str, parent: str, name: str, start: int, end: int, status: str, attributes, service
    ):
        rows.append(
            {
                "trace_id": trace.trace_id,
                "span_id": span_id,
                "parent_span_id": parent,
                "name": name,
                "start_time_unix_nano": start,
                "end_time_unix_nano": end,
                "status_code": status,
                "attributes": attributes if isinstance(attributes, str) else json.dumps(attributes),
                "resource_attributes": json.dumps({"service.name": service}),
            }
        )

    for trace in landing.traces:
        parent = trace.root_span_id or f"{trace.trace_id[-8:]}deadbeef"  # an orphan's parent never arrived
        if trace.root_span_id:
            attributes: dict[str, Any] = {"gen_ai.operation.name": "invoke_agent"}
            if trace.work_item:
                attributes |= {"work_item.type": trace.work_item[0], "work_item.id": trace.work_item[1]}
            if trace.workflow:
                attributes["workflow.name"] = trace.workflow
            span(trace, trace.root_span_id, "", f"invoke_agent {trace.workflow}", trace.root_start_ns,
                 trace.root_end_ns, "STATUS_CODE_OK", attributes, trace.service)  # fmt: skip
        for call in trace.calls:
            status = "STATUS_CODE_ERROR" if call.error else "STATUS_CODE_OK"
            attributes = _call_attributes(call, call.tokens)
            name = f"{call.operation} {call.spelling}"
            span(trace, call.span_id, parent, name, call.start_ns, call.end_ns, status, attributes, call.service)
            if call.span_id in landing.duplicate_spans:
                span(trace, call.span_id, parent, name, call.start_ns, call.end_ns, status, attributes, call.service)
            if call.span_id in landing.superseded_spans:  # an older delivery: the latest end wins
                older = {t: n * 2 + 1 for t, n in call.tokens.items()}
                span(trace, call.span_id, parent, name, call.start_ns, call.end_ns - 1, status,
                     _call_attributes(call, older), call.service)  # fmt: skip
        for number, (outcome, minutes) in enumerate(trace.reviews):
            span(trace, f"{trace.trace_id[-8:]}{number:04x}a11e", parent, "human_review",
                 trace.anchor_ns + 10 * NS, trace.anchor_ns + 20 * NS, "STATUS_CODE_OK",
                 {"review.outcome": outcome, "review.minutes": minutes}, trace.service)  # fmt: skip
        for number in range(trace.tools):
            span(trace, f"{trace.trace_id[-8:]}{number:04x}7001", parent, "execute_tool lookup",
                 trace.anchor_ns + 30 * NS, trace.anchor_ns + 31 * NS, "STATUS_CODE_OK",
                 {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"}, trace.service)  # fmt: skip
    for number, bad in enumerate(landing.quarantined_spans):
        trace = bad["trace"]
        span(trace, f"{number:08x}0badbad0", trace.root_span_id or "", "chat broken", trace.anchor_ns,
             trace.anchor_ns + NS, "STATUS_CODE_OK", bad["attributes"], trace.service)  # fmt: skip
    return rows


def _render_cost_row(row: CostRow, skus: _Ids) -> tuple[str, dict[str, Any]]:
    start = int(midnight_ns(row.day) // NS)
    if row.provider == "openai":
        label = row.openai_label or OPENAI_TYPE[row.token_type]
        line_item = f"{row.spelling}, {label}" + (", batch" if row.batch else "")
        return "openai_costs", {
            "start_time": start,
            "end_time": start + 86_400,
            "organization_id": row.account,
            "project_id": row.project,
            "line_item": line_item,
            "amount_value": str(row.amount),
            "amount_currency": row.currency,
        }
    if row.provider == "anthropic":
        return "anthropic_costs", {
            "starting_at": iso(row.day),
            "ending_at": iso(row.day + dt.timedelta(days=1)),
            "organization_id": row.account,
            "workspace_id": row.project,
            "cost_type": row.cost_type,
            "model": row.spelling or "",
            "token_type": row.anthropic_type or "",
            "service_tier": "batch" if row.batch else "standard",
            "amount": str(row.amount * 100),  # the report's minor unit
            "currency": row.currency,
        }
    provider_name, service_name = FOCUS_SERVICE[row.provider]
    return "focus_charges", {
        "BillingAccountId": row.account,
        "ServiceProviderName": provider_name,
        "ServiceName": service_name,
        "ChargeCategory": row.focus_category,
        "ChargeClass": "",
        "ChargePeriodStart": iso(row.day),
        "ChargePeriodEnd": iso(row.day + dt.timedelta(days=1)),
        "BillingPeriodStart": iso(row.day.replace(day=1)),
        "SkuId": skus.sku(),
        "SkuMeter": row.focus_meter,
        "SkuPriceDetails": json.dumps({"ModelId": row.spelling}) if row.spelling else "",
        "ChargeDescription": f"{row.focus_category} {row.focus_meter}".strip(),
        "ConsumedQuantity": "" if row.quantity is None else str(row.quantity),
        "ConsumedUnit": row.focus_unit,
        "BilledCost": str(row.amount),
        "EffectiveCost": str(row.amount),
        "BillingCurrency": row.currency,
        "InvoiceId": "",
    }


def _render_usage_row(row: UsageRow) -> tuple[str, dict[str, Any]]:
    q = row.quantities
    start = int(midnight_ns(row.day) // NS)
    if row.provider == "openai":
        return "openai_usage", {
            "start_time": start,
            "end_time": start + 86_400,
            "project_id": row.project,
            "model": row.spelling,
            "batch": "true" if row.batch else "false",
            "input_tokens": q["input"] + q["cached_input"],
            "input_cached_tokens": q["cached_input"],
            "output_tokens": q["output"],
            "num_model_requests": 1,
        }
    return "anthropic_usage", {
        "starting_at": iso(row.day),
        "ending_at": iso(row.day + dt.timedelta(days=1)),
        "workspace_id": row.project,
        "model": row.spelling,
        "service_tier": row.tier,
        "uncached_input_tokens": q["input"],
        "cache_read_input_tokens": q["cached_input"],
        "cache_creation_ephemeral_5m_input_tokens": row.cache_write_5m,
        "cache_creation_ephemeral_1h_input_tokens": q["cache_write"] - row.cache_write_5m,
        "output_tokens": q["output"],
    }


def write_landing(landing: Landing, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in HEADERS}
    skus = _Ids()
    for index, row in enumerate(landing.cost_rows):
        table, rendered = _render_cost_row(row, skus)
        # two rows meant as different billing rows must never render identically (they would be one
        # duplicate delivery); planted duplicates are added below, on purpose
        assert rendered not in tables[table], f"generator bug: cost row {index} renders like an earlier one"
        tables[table].append(rendered)
        if index in landing.duplicate_cost_rows:
            tables[table].append(dict(rendered))
    for index, row in enumerate(landing.usage_rows):
        table, rendered = _render_usage_row(row)
        tables[table].append(rendered)
        if index in landing.duplicate_usage_rows:  # an identical redelivery, not more tokens
            tables[table].append(dict(rendered))
    for item in landing.work_items:
        tables["tickets" if item.work_item_type == "ticket" else "claims"].extend(item.versions)
    tables["invoices"] = landing.invoices
    spans = span_rows(landing)
    for name, header in HEADERS.items():
        if name == "otel_spans" and landing.spans_format == "parquet":
            columns = {column: [row[column] for row in spans] for column in header}
            pq.write_table(pa.table(columns), directory / "otel_spans.parquet")
            continue
        rows = spans if name == "otel_spans" else tables[name]
        with open(directory / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    return directory


# ---------------------------------------------------------------------------------------------
# the oracle: metrics.md 1-5 in Python, from the structures (not from the files or the warehouse)

PoolKey = tuple[str, str, dt.date, str, bool]


@dataclass
class Line:
    provider: str
    account: str
    project: str
    day: dt.date
    model: str | None
    token_type: str | None
    batch: bool
    category: str
    currency: str
    amount: Decimal = Decimal(0)
    focus_quantities: list[int] = field(default_factory=list)
    usd: float | None = None
    quantity: float | None = None

    @property
    def pool(self) -> PoolKey:
        return (self.provider, self.model or "", self.day, self.token_type or "", self.batch)


@dataclass
class Pool:
    billed_usd: float = 0.0
    has_bill: bool = False
    quantity: float | None = None
    traced: int = 0

    @property
    def fraction(self) -> float:
        if self.traced == 0:
            return 0.0
        effective = self.traced if not self.quantity else self.quantity
        return 1.0 if self.traced >= effective else self.traced / effective


@dataclass
class Oracle:
    lines: list[Line]
    pools: dict[PoolKey, Pool]
    calls: dict[str, dict[str, Any]]
    ledger: dict[tuple[str, dt.date, str, str], float]
    billed_by_month: dict[tuple[str, dt.date], float]
    work_items: dict[tuple[str, str], dict[str, Any]]


def oracle(landing: Landing) -> Oracle:
    lines: dict[tuple, Line] = {}
    for row in landing.cost_rows:
        if row.unreadable:
            continue
        model = row.model if row.category == "usage_tokens" else None  # a line that is not tokens names none
        key = (row.provider, row.account, row.project, row.day, model, row.token_type, row.batch,
               row.category, row.currency.upper())  # fmt: skip
        line = lines.setdefault(key, Line(*key))
        line.amount += row.amount
        if row.quantity is not None and row.category == "usage_tokens":
            line.focus_quantities.append(row.quantity)
    usage: dict[tuple, int] = defaultdict(int)
    for u in landing.usage_rows:
        if u.provider == "anthropic" and u.tier == "priority":
            continue  # billed outside the cost report: no cost line, left out of Qb (real-inputs.md 4)
        for token_type, quantity in u.quantities.items():
            usage[(u.provider, u.project, u.day, u.model, u.batch, token_type)] += quantity
    pools: dict[PoolKey, Pool] = defaultdict(Pool)
    for line in lines.values():
        rate = fx_rate(line.currency, line.day)
        line.usd = None if rate is None else float(line.amount) * rate
        if line.category != "usage_tokens":
            continue
        if PROVIDERS[line.provider].export == "focus":
            line.quantity = float(sum(line.focus_quantities)) if line.focus_quantities else None
        else:
            match = (line.provider, line.project, line.day, line.model, line.batch, line.token_type)
            line.quantity = float(usage[match]) if match in usage else None
        if line.usd is None:
            continue  # no FX rate: quarantined, not part of its pool
        pool = pools[line.pool]
        pool.billed_usd += line.usd
        pool.has_bill = True
        if line.quantity is not None:
            pool.quantity = (pool.quantity or 0.0) + line.quantity

    items = {(i.work_item_type, i.work_item_id): i for i in landing.work_items}
    calls: dict[str, dict[str, Any]] = {}
    for trace in landing.traces:
        for call in trace.calls:
            team = service_team(trace.service) if trace.root_span_id else service_team(call.service)
            linked = trace.root_span_id is not None and trace.work_item in items
            calls[call.span_id] = {"call": call, "team_id": team, "linked": linked, "trace": trace}
            for token_type, tokens in call.tokens.items():
                if tokens:
                    pools[(call.provider, call.model, call.day, token_type, call.batch)].traced += tokens
    for entry in calls.values():
        call = entry["call"]
        allocated = 0.0
        for token_type, tokens in call.tokens.items():
            pool = pools[(call.provider, call.model, call.day, token_type, call.batch)]
            if tokens and pool.has_bill:
                allocated += pool.billed_usd * pool.fraction * tokens / pool.traced
        entry["allocated_cost_usd"] = allocated

    ledger: dict[tuple[str, dt.date, str, str], float] = defaultdict(float)
    billed_by_month: dict[tuple[str, dt.date], float] = defaultdict(float)
    for entry in calls.values():
        call = entry["call"]
        if entry["allocated_cost_usd"]:
            ledger[(call.provider, call.day, entry["team_id"], "allocated")] += entry["allocated_cost_usd"]
    for line in lines.values():
        if line.usd is None:
            continue
        billed_by_month[(line.provider, line.day.replace(day=1))] += line.usd
        owner = owner_team(line.provider, line.account, line.project)
        if line.category == "usage_tokens":
            fraction = pools[line.pool].fraction
            if fraction < 1:
                ledger[(line.provider, line.day, owner, "untraced")] += line.usd * (1 - fraction)
        else:
            ledger[(line.provider, line.day, owner, line.category)] += line.usd

    work_items: dict[tuple[str, str], dict[str, Any]] = {}
    for key, item in items.items():
        runs = sorted(
            (t for t in landing.traces if t.root_span_id and t.work_item == key),
            key=lambda t: (t.root_start_ns // 1000, t.trace_id),
        )
        if not runs:
            continue
        reviews = {outcome for run in runs for outcome, _ in run.reviews}
        work_items[key] = {
            "outcome_class": outcome_class(item, reviews),
            "runs": len(runs),
            "team_id": service_team(runs[0].service),
            "ai_cost_usd": sum(calls[c.span_id]["allocated_cost_usd"] for run in runs for c in run.calls),
        }
    return Oracle(list(lines.values()), dict(pools), calls, dict(ledger), dict(billed_by_month), work_items)


def outcome_class(item: WorkItem, reviews: set[str]) -> str:
    """metrics.md 5, first rule that matches."""
    row = item.current
    if item.work_item_type == "ticket":
        if row["status"] not in ("solved", "closed"):
            return "open"
        if row["escalated"] == "true" or "overridden" in reviews:
            return "failed"
        if row["assignee_type"] == "human" or int(row["reopens"]) > 0 or "corrected" in reviews:
            return "assisted"
        return "automated"
    if not row["decided_at"] or row["decision"] in ("pended", ""):
        return "open"
    if row["decision"] == "withdrawn" or "overridden" in reviews:
        return "failed"
    if row["manual_correction"] == "true" or "corrected" in reviews:
        return "assisted"
    return "automated"


# ---------------------------------------------------------------------------------------------
# checks


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def close(self, label: str, actual: float | None, expected: float | None) -> None:
        if actual is None or expected is None:
            if not (actual is None and expected is None):
                self.items.append(f"{label}: expected {expected!r}, got {actual!r}")
        elif not math.isclose(actual, expected, rel_tol=0, abs_tol=TOLERANCE):
            self.items.append(f"{label}: expected {expected:.9f}, got {actual:.9f} (diff {actual - expected:.3g})")

    def equal(self, label: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            self.items.append(f"{label}: expected {expected!r}, got {actual!r}")

    def check(self, label: str, condition: bool) -> None:
        if not condition:
            self.items.append(label)


def _sums(rows: Iterable[dict[str, Any]], key: tuple[str, ...], value: str) -> dict[tuple, float]:
    sums: dict[tuple, float] = defaultdict(float)
    for row in rows:
        sums[tuple(row[k] for k in key)] += row[value] or 0.0
    return sums


def check_money(build: Build, expected: Oracle, problems: Problems) -> None:
    # 1. every billed dollar in the ledger exactly once, per provider and month
    lines_by_month = {
        (r["provider"], r["charge_month"]): r["usd"]
        for r in build.query(
            """select provider, charge_month, sum(billed_usd) as usd from intermediate.int_billing_lines
               where quarantine_reason is null group by 1, 2"""
        )
    }
    ledger_by_month = {
        (r["provider"], r["charge_month"]): r["usd"]
        for r in build.query(
            """select provider, charge_month, sum(amount_usd) as usd from marts.fct_spend_ledger
               where category <> 'quarantined' group by 1, 2"""
        )
    }
    for key in sorted(set(expected.billed_by_month) | set(lines_by_month) | set(ledger_by_month)):
        want = expected.billed_by_month.get(key, 0.0)
        problems.close(f"billing lines USD {key}", lines_by_month.get(key, 0.0), want)
        problems.close(f"ledger USD {key} (every billed dollar exactly once)", ledger_by_month.get(key, 0.0), want)

    # 2. every ledger cell (provider, day, team, category), accounts summed, holds the oracle's USD
    ledger = _sums(
        build.query("select * from marts.fct_spend_ledger where category <> 'quarantined'"),
        ("provider", "charge_date", "team_id", "category"),
        "amount_usd",
    )
    for key in sorted(set(ledger) | set(expected.ledger), key=str):
        problems.close(f"ledger cell {key}", ledger.get(key, 0.0), expected.ledger.get(key, 0.0))

    # 3. pools: the oracle's B, Qt and f; the calls get exactly B × f, never more than B when B ≥ 0
    pools = build.query(
        """
        select pools.*, coalesce(to_calls.allocated_usd, 0) as calls_allocated_usd
        from intermediate.int_allocation_pools as pools
        left join (
            select pool_id, sum(allocated_usd) as allocated_usd
            from intermediate.int_allocation_pool_teams group by 1
        ) as to_calls on pools.pool_id = to_calls.pool_id
        """
    )
    seen = set()
    for pool in pools:
        key = (pool["provider"], pool["model"], pool["charge_date"], pool["token_type"], pool["is_batch"])
        seen.add(key)
        label = f"pool {key}"
        if pool["billed_usd"] >= 0:
            problems.check(
                f"{label}: calls allocated {pool['calls_allocated_usd']} > billed {pool['billed_usd']}",
                pool["calls_allocated_usd"] <= pool["billed_usd"] + TOLERANCE,
            )
        problems.close(
            f"{label}: calls allocated = B × f",
            pool["calls_allocated_usd"],
            pool["billed_usd"] * pool["attributed_fraction"] if pool["has_bill"] else 0.0,
        )
        want = expected.pools.get(key)
        if want is None:
            problems.items.append(f"{label}: not a pool of the oracle")
            continue
        problems.close(f"{label}: billed_usd", pool["billed_usd"], want.billed_usd)
        problems.equal(f"{label}: traced_tokens", pool["traced_tokens"], want.traced)
        problems.equal(f"{label}: has_bill", pool["has_bill"], want.has_bill)
        problems.close(f"{label}: attributed_fraction", pool["attributed_fraction"], want.fraction)
    for key, want in expected.pools.items():
        if key not in seen and (want.has_bill or want.traced):
            problems.items.append(f"pool {key}: missing from int_allocation_pools")

    # 4. every call: team, tokens, allocated cost; Σ calls allocated = Σ ledger allocated
    calls = {r["span_id"]: r for r in build.query("select * from marts.fct_model_calls")}
    problems.equal("fct_model_calls span ids", sorted(calls), sorted(expected.calls))
    for span_id, entry in expected.calls.items():
        row = calls.get(span_id)
        if row is None:
            continue
        call = entry["call"]
        label = f"call {span_id} ({call.provider} {call.spelling} {call.day} batch={call.batch})"
        problems.equal(f"{label}: team_id", row["team_id"], entry["team_id"])
        problems.equal(f"{label}: model", row["model"], call.model)
        problems.equal(f"{label}: call_date", row["call_date"], call.day)
        problems.equal(f"{label}: is_batch", row["is_batch"], call.batch)
        problems.equal(
            f"{label}: tokens",
            (row["input_tokens"], row["cached_input_tokens"], row["cache_write_tokens"], row["output_tokens"]),
            tuple(call.tokens[t] for t in TOKEN_TYPES),
        )
        problems.close(f"{label}: allocated_cost_usd", row["allocated_cost_usd"], entry["allocated_cost_usd"])
    calls_allocated = sum(r["allocated_cost_usd"] for r in calls.values())
    ledger_allocated = build.scalar(
        "select coalesce(sum(amount_usd), 0) from marts.fct_spend_ledger where category = 'allocated'"
    )
    problems.close("Σ fct_model_calls.allocated_cost_usd = Σ ledger allocated", calls_allocated, ledger_allocated)


def check_outcomes(build: Build, expected: Oracle, problems: Problems) -> None:
    items = {(r["work_item_type"], r["work_item_id"]): r for r in build.query("select * from marts.fct_work_items")}
    problems.equal("fct_work_items keys", sorted(items), sorted(expected.work_items))
    for key, want in expected.work_items.items():
        row = items.get(key)
        if row is None:
            continue
        problems.equal(f"work item {key}: outcome_class", row["outcome_class"], want["outcome_class"])
        problems.equal(f"work item {key}: runs", row["runs"], want["runs"])
        problems.equal(f"work item {key}: team_id", row["team_id"], want["team_id"])
        problems.close(f"work item {key}: ai_cost_usd", row["ai_cost_usd"], want["ai_cost_usd"])

    cells = build.query("select * from marts.mart_cost_per_outcome")
    for cell in cells:
        label = f"cost per outcome {cell['work_item_type']}/{cell['team_id']}/{cell['completion_month']}"
        successes = cell["automated_items"] + cell["assisted_items"]
        if successes:
            problems.close(
                f"{label}: cost_per_successful × successes = ai_cost",
                cell["cost_per_successful_usd"] * successes,
                cell["ai_cost_usd"],
            )
        else:
            problems.equal(f"{label}: cost_per_successful_usd without success", cell["cost_per_successful_usd"], None)
        problems.close(
            f"{label}: cost_per_completed × completed = ai_cost",
            cell["cost_per_completed_usd"] * cell["completed_items"],
            cell["ai_cost_usd"],
        )
    completed = sum(c["ai_cost_usd"] for c in cells)
    problems.close(
        "Σ mart_cost_per_outcome.ai_cost_usd = AI cost of completed work items",
        completed,
        sum(w["ai_cost_usd"] for w in expected.work_items.values() if w["outcome_class"] != "open"),
    )

    # metrics.md 6, end to end: completed + open + unlinked + untraced + non-token = billed
    open_work = sum(r["ai_cost_usd"] for r in items.values() if r["outcome_class"] == "open")
    unlinked = build.scalar(
        """
        select coalesce(sum(calls.allocated_cost_usd), 0) from marts.fct_model_calls as calls
        left join marts.fct_work_items as items
            on calls.work_item_type = items.work_item_type and calls.work_item_id = items.work_item_id
        where items.work_item_id is null
        """
    )
    problems.close(
        "unlinked spend (calls of no known work item)",
        unlinked,
        sum(e["allocated_cost_usd"] for e in expected.calls.values() if not e["linked"]),
    )
    by_category = {
        r["category"]: r["usd"]
        for r in build.query(
            """select category, coalesce(sum(amount_usd), 0) as usd from marts.fct_spend_ledger
               where category <> 'quarantined' group by 1"""
        )
    }
    untraced = by_category.get("untraced", 0.0)
    non_token = sum(v for k, v in by_category.items() if k not in ("allocated", "untraced"))
    problems.close(
        "end to end: completed + open + unlinked + untraced + non-token = billed USD",
        completed + open_work + unlinked + untraced + non_token,
        sum(expected.billed_by_month.values()),
    )


# ---------------------------------------------------------------------------------------------
# the property


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=False,
)
@given(landing=landings())
def test_money_invariants_hold_on_random_landing_data(
    landing: Landing, tmp_path_factory: pytest.TempPathFactory
) -> None:
    workdir = tmp_path_factory.mktemp("property")
    landing_dir = write_landing(landing, workdir / "landing")
    expected = oracle(landing)
    build = build_project(landing_dir, workdir, seeds_dir=SEEDS_DIR, extra_args=BUILD_ARGS)
    require_success(build)  # valid data (quarantine noise included) never breaks the build

    problems = Problems()
    check_money(build, expected, problems)
    check_outcomes(build, expected, problems)
    if problems.items:
        shown = "\n".join(f"- {p}" for p in problems.items[:40])
        more = f"\n... and {len(problems.items) - 40} more" if len(problems.items) > 40 else ""
        pytest.fail(f"{len(problems.items)} invariant violations on {landing_dir} ({landing!r}):\n{shown}{more}")


def test_oracle_agrees_with_the_money_fixture_arithmetic() -> None:
    """Guards the oracle itself on the smallest hand-checkable case (no build): f < 1 with a known
    Qb, f = 1 when tracing saw more than was billed, and no bill → nothing allocated."""
    ids = _Ids()
    day = dt.date(2026, 6, 20)
    call = Call(ids.span(), "openai", "gpt-x", day, midnight_ns(day) + NS, midnight_ns(day) + 2 * NS, False,
                {"input": 4_000, "cached_input": 0, "cache_write": 0, "output": 500})  # fmt: skip
    trace = Trace(ids.trace(), ids.span(), "svc-alpha", ("ticket", "TK-1"), "ticket_triage", midnight_ns(day), [call])
    rows = [
        CostRow("openai", "org-1", "proj-a", day, "gpt-x-2025", "input", False, "usage_tokens", "usd", Decimal("8")),
        CostRow("openai", "org-1", "proj-a", day, "gpt-x-2025", "output", False, "usage_tokens", "usd", Decimal("4")),
    ]
    usage = [UsageRow("openai", "proj-a", day, "gpt-x", False, {"input": 8_000, "cached_input": 0, "cache_write": 0,
                                                                  "output": 250})]  # fmt: skip
    ticket = WorkItem("ticket", "TK-1", [{"status": "solved", "escalated": "false", "assignee_type": "ai_agent",
                                          "reopens": "0", "updated_at": "x"}])  # fmt: skip
    landing = Landing([trace], rows, usage, [ticket], [], [], [], [], [], "csv", [])
    expected = oracle(landing)
    # input: f = 4000 / 8000 → 8 × 0.5 = 4; output: Qt 500 > Qb 250 → f = 1 → 4
    assert expected.calls[call.span_id]["allocated_cost_usd"] == pytest.approx(8.0)
    assert expected.ledger[("openai", day, "alpha", "untraced")] == pytest.approx(4.0)
    assert expected.ledger[("openai", day, "alpha", "allocated")] == pytest.approx(8.0)
    assert expected.work_items[("ticket", "TK-1")]["outcome_class"] == "automated"


def _credit_landing() -> Landing:
    """One work item, two runs: the superseded run's call is in a pool billed $2.00, the last run's in a
    pool whose only line is a $1.50 credit (an OpenAI token line with a negative amount, landing.md:
    "negative for credits"; DECISIONS 7: it stays usage_tokens and makes B negative)."""
    ids = _Ids()
    day = dt.date(2026, 6, 20)
    traces = []
    for attempt, token_type in enumerate(("input", "output")):
        anchor = midnight_ns(day) + (3_600 + 14_400 * attempt) * NS
        tokens = {t: 1_000 if t == token_type else 0 for t in TOKEN_TYPES}
        call = Call(ids.span(), "openai", "gpt-x", day, anchor + NS, anchor + 2 * NS, False, tokens)
        traces.append(Trace(ids.trace(), ids.span(), "svc-alpha", ("ticket", "TK-1"), "ticket_triage", anchor, [call]))
    rows = [
        CostRow("openai", "org-1", "proj-a", day, "gpt-x-2025", "input", False, "usage_tokens", "usd", Decimal("2.00")),
        CostRow(
            "openai", "org-1", "proj-a", day, "gpt-x-2025", "output", False, "usage_tokens", "usd", Decimal("-1.50")
        ),
    ]
    ticket = WorkItem(
        "ticket",
        "TK-1",
        [
            {
                "ticket_id": "TK-1",
                "created_at": iso(day),
                "updated_at": iso(day, 80_000),
                "solved_at": iso(day, 79_000),
                "status": "solved",
                "assignee_type": "ai_agent",
                "escalated": "false",
                "reopens": "0",
                "queue": "billing",
            }
        ],
    )
    return Landing(
        traces, rows, [], [ticket], [], [], [], [], [], "csv", [("openai", "gpt-x-2025", day, False, "credit")]
    )


def test_negative_pool_from_a_credit_does_not_break_the_build(tmp_path: Path) -> None:
    landing = _credit_landing()
    landing_dir = write_landing(landing, tmp_path / "landing")
    expected = oracle(landing)
    assert [round(e["allocated_cost_usd"], 9) for e in expected.calls.values()] == [2.0, -1.5]
    build = build_project(landing_dir, tmp_path, seeds_dir=SEEDS_DIR, extra_args=BUILD_ARGS)
    require_success(build)
    problems = Problems()
    check_money(build, expected, problems)
    check_outcomes(build, expected, problems)
    assert not problems.items, "\n".join(problems.items)
