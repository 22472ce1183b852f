"""Reading real-producer trace fixtures (tests/fixtures/real_traces, real_traces_holdout) against the
mock's record of what the providers returned: shared by test_real_traces.py and its holdout.

A fixture directory holds landing/otlp_traces/ (OTLP JSON a real instrumentation wrote), requests.jsonl
(one line per request the mock served: label <producer>/<run>/<step>/<n>, HTTP status, usage returned,
usage billed) and the bills make_landing.py wrote from it.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from harness import fixture_dir

TOKEN_TYPES = ("input", "cached_input", "cache_write", "output")


def _load_make_landing():
    path = fixture_dir("real_traces") / "make_landing.py"
    spec = importlib.util.spec_from_file_location("make_landing", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_landing = _load_make_landing()


@dataclass(frozen=True)
class Span:
    producer: str
    scope: str | None
    span_id: str
    trace_id: str
    name: str
    start: int
    attributes: dict


def returned_tokens(request: dict) -> dict[str, int]:
    """What the provider returned for a request, by the project's token types (0 for a failed request)."""
    if request["http_status"] != 200 or request["usage"] is None:
        return dict.fromkeys(TOKEN_TYPES, 0)
    billed = make_landing.billed_tokens({**request, "usage_billed": request["usage"]})
    return {
        "input": billed["input"],
        "cached_input": billed["cached_input"],
        "cache_write": billed.get("cache_write_5m", 0) + billed.get("cache_write_1h", 0),
        "output": billed["output"],
    }


class RealTraces:
    """One fixture: its spans, the mock's requests, and what the project should make of them."""

    def __init__(self, name: str, reported: Callable[[RealTraces, dict], dict[str, int]] | None = None):
        self.directory = fixture_dir(name)
        self.spans = self._read_spans()
        self.requests = make_landing.requests(self.directory)
        # the tokens the producer reported for a request; by default what the provider returned
        self._reported = reported or (lambda _fixture, request: returned_tokens(request))

    def _read_spans(self) -> list[Span]:
        found = []
        for path in sorted((self.directory / "landing" / "otlp_traces").iterdir()):
            producer = path.name.split(".")[0]
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt") as handle:
                for line in handle:
                    for resource in json.loads(line)["resourceSpans"]:
                        for scope in resource["scopeSpans"]:
                            for span in scope["spans"]:
                                attributes = {
                                    a["key"]: next(iter(a["value"].values()), None) for a in span.get("attributes", [])
                                }
                                found.append(
                                    Span(
                                        producer,
                                        scope["scope"].get("name"),
                                        span["spanId"],
                                        span["traceId"],
                                        span["name"],
                                        int(span["startTimeUnixNano"]),
                                        attributes,
                                    )
                                )
        return found

    def producer_of(self, request: dict) -> str:
        return request["label"].split("/")[0]

    def work_item_of(self, request: dict) -> str:
        """The run's work item: the producer's trace file names it <prefix>-<code>-<run>."""
        producer, run = request["label"].split("/")[:2]
        items = {
            s.attributes["work_item.id"]
            for s in self.spans
            if s.producer == producer and "work_item.id" in s.attributes
        }
        (item,) = [i for i in items if i.endswith(f"-{run}")]
        return item

    def expected_tokens(self, request: dict) -> dict[str, int]:
        return self._reported(self, request)

    def match(self, calls: list[dict], request: dict) -> dict:
        """The call of a request: by response id where the producer records one; else the n-th call of the
        request's step in its work item (some producers record no response id; failed requests have none)."""
        if request["response_id"] and request["http_status"] == 200:
            matched = [c for c in calls if c["response_id"] == request["response_id"]]
            if len(matched) == 1:
                return matched[0]
        item = self.work_item_of(request)
        producer, run, step = request["label"].split("/")[:3]
        same_step = sorted(
            (r for r in self.requests if r["label"].startswith(f"{producer}/{run}/{step}/")), key=lambda r: r["seq"]
        )
        step_calls = [c for c in calls if c["work_item_id"] == item and c["workflow_step"] == step]
        assert len(step_calls) == len(same_step), (request["label"], step_calls)
        return step_calls[same_step.index(request)]

    def expected_work_item_costs(self) -> dict[str, float]:
        """metrics.md 3 over the fixture: per pool (provider, model, day, token type) B = billed USD, Qb =
        billed tokens, Qt = the traced tokens of the calls, f = min(1, Qt / Qb); a call gets B × f × tokens / Qt."""
        price = make_landing.prices()
        billed_usd: dict[tuple, float] = defaultdict(float)
        billed_qty: dict[tuple, int] = defaultdict(int)
        traced: dict[tuple, int] = defaultdict(int)
        call_tokens = []
        for request in self.requests:
            day = request["received_unix_nano"] // 86_400_000_000_000
            model = request["response_model"] or request["request_model"]
            if request["http_status"] == 200:
                for token_type, tokens in make_landing.billed_tokens(request).items():
                    if not tokens:
                        continue
                    ours = "cache_write" if token_type.startswith("cache_write") else token_type
                    rate = price[(request["provider"], model, "input" if token_type == "cache_write_1h" else ours)]
                    if token_type == "cache_write_1h":
                        rate = rate * make_landing.ONE_HOUR_WRITE_FACTOR
                    billed_usd[(request["provider"], model, day, ours)] += float(tokens * rate) / 1e6
                    billed_qty[(request["provider"], model, day, ours)] += tokens
            expected = self.expected_tokens(request)
            for token_type, tokens in expected.items():
                traced[(request["provider"], model, day, token_type)] += tokens
            call_tokens.append((self.work_item_of(request), request["provider"], model, day, expected))
        costs: dict[str, float] = defaultdict(float)
        for item, provider, model, day, expected in call_tokens:
            costs[item] += 0.0
            for token_type, tokens in expected.items():
                pool = (provider, model, day, token_type)
                qt = traced[pool]
                if not tokens or not qt or pool not in billed_usd:
                    continue
                qb = billed_qty[pool] or qt
                costs[item] += billed_usd[pool] * min(1.0, qt / qb) * tokens / qt
        return dict(costs)


CALL_COLUMNS = (
    "select span_id, trace_id, scope_name, provider, model, response_id, request_spans, workflow_step,"
    " work_item_id, is_error, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
    " started_at, input_tokens_reading, allocated_cost_usd, provisional_cost_usd"
    " from marts.fct_model_calls order by started_at, span_id"
)


def call_tokens(call: dict) -> dict[str, int]:
    return {
        "input": call["input_tokens"],
        "cached_input": call["cached_input_tokens"],
        "cache_write": call["cache_write_tokens"],
        "output": call["output_tokens"],
    }
