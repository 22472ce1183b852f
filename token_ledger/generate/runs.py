"""Work items and the spans of their runs: agent roots, model calls, tool calls, human reviews."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from token_ledger.generate.plans import AUTOMATED_REVIEW_SHARE, ERRORS, FIRST_NAMES, LAST_NAMES, OUTCOME_MIX
from token_ledger.generate.util import NS, TIER_RANK, UTC, weighted


class RunsMixin:
    """Part of Generator: one work item, its runs and their spans; good tokens go to the billing ledger."""

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
