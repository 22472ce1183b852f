"""Traffic no work item explains (batch jobs, an unmapped service, orphans, unknown items), planted bad
spans, and at-least-once delivery of a day's spans."""

from __future__ import annotations

import datetime as dt
import json

from token_ledger.generate.plans import UNKNOWN_SERVICE, WORKFLOWS
from token_ledger.generate.util import NS, UTC


class TrafficMixin:
    """Part of Generator: unlinked traffic, planted bad spans and delivery."""

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
        else:  # exclusive_input: a paid call from a producer that reports input without cache
            # (openlit on Anthropic, real-inputs.md 2): cache reads and writes above the input count,
            # read as exclusive, never quarantined; billed like any call
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
            bad_rows.append(
                (trace_id, span_id, root_id, "chat claude-sonnet-4-5", t, end, "STATUS_CODE_UNSET", attrs, res)
            )
            day = dt.datetime.fromtimestamp(t // NS, UTC).date()
            team = self.seeds.services.get(service, "claims-ops")
            self._record_usage("anthropic", team, day, "claude-sonnet-4-5-20250929", False, 1000, 900, 300, 120)
            self.stats["distinct_spans"] += 1
            self.stats["model_calls"] += 1
            self.stats["exclusive_input_calls"] += 1
            return
        bad_rows.append(row)
        self._quarantine("otel_spans", reason)

    def _quarantine(self, table: str, reason: str) -> None:
        self.quarantine[table][reason] = self.quarantine[table].get(reason, 0) + 1

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
