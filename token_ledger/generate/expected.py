"""_expected.json: what was written and planted, so tests can check that the project finds it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from token_ledger.generate.plans import UNKNOWN_SERVICE, UNPRICED_MODEL
from token_ledger.generate.util import UTC, fmt_money
from token_ledger.generate.writers import GENERATED_TABLES


class ExpectedMixin:
    """Part of Generator: writes _expected.json."""

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
            "row_counts": {t: counts[t] for t in GENERATED_TABLES},
            "quarantine": self.quarantine,
            "distinct_spans": s["distinct_spans"],
            "duplicate_spans": s["duplicate_spans"],
            "redelivered_spans": s["redelivered_spans"],
            "model_calls": s["model_calls"],
            "errored_calls": s["errored_calls"],
            "exclusive_input_calls": s["exclusive_input_calls"],
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
