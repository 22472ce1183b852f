"""The generator: one seed, scale and window; the day loop that drives the other parts."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from token_ledger.generate.bills import BillsMixin
from token_ledger.generate.expected import ExpectedMixin
from token_ledger.generate.invoices import InvoicesMixin
from token_ledger.generate.outcomes import OutcomesMixin
from token_ledger.generate.payloads import Payloads
from token_ledger.generate.plans import CDC_DEFECTS, UNKNOWN_SERVICE, UNPRICED_MODEL, WORKFLOWS
from token_ledger.generate.runs import RunsMixin
from token_ledger.generate.seeds import Seeds
from token_ledger.generate.traffic import TrafficMixin
from token_ledger.generate.util import TOKEN_TYPES, day_epoch
from token_ledger.generate.writers import CSV_TABLES, GENERATED_TABLES, CsvSink, SpanSink, landing_columns


class Generator(RunsMixin, TrafficMixin, OutcomesMixin, BillsMixin, InvoicesMixin, ExpectedMixin):
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
        self.quarantine: dict[str, dict[str, int]] = {t: {} for t in GENERATED_TABLES}
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
        self.csv = {t: CsvSink(self.out / f"{t}.csv", landing_columns(t)) for t in CSV_TABLES}
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
            "exclusive_input",
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
