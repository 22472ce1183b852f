"""Real traces in (issue 12): the spans real instrumentations wrote, read right.

tests/fixtures/real_traces/landing/otlp_traces/ holds OTLP JSON written by the real libraries
(openai-v2 in both modes, OpenLLMetry, the anthropic SDK's own spans, OpenInference, openlit, and two
combinations that record one request twice) against a mock of the provider APIs; requests.jsonl is the
mock's record of every request it served (generate/README.md has the versions). The bills
(make_landing.py) are what the providers would bill for those requests. The project builds on the
directory as it is, and every request is checked against the mock: counted once, its tokens by type,
its errors, its run and work item, and the cost of each work item as EXPECTED.md works it out.

Where a producer does not report what the provider returned, the project cannot know it either: the
expected value is what the producer reported, and the gap is named (EXPECTED.md, "What the producers
drop"): openai-v2 reports no cached count; a stream without usage in its response leaves no counts
(openlit writes its own estimate instead); OpenLLMetry counts one output token too many on an Anthropic
stream; openlit reports no cache tokens on an Anthropic stream.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
from harness import Build, require_success
from real_traces import CALL_COLUMNS, TOKEN_TYPES, RealTraces, call_tokens, returned_tokens

# Producers (file stems) that record no cache split for OpenAI: the cached tokens are inside input.
NO_CACHE_SPLIT = {"openai_v2_default", "openai_v2_latest"}
# Producers whose stream without usage leaves a span with no token counts at all (openlit: an estimate).
NO_COUNTS_ON_STREAM_WITHOUT_USAGE = {
    "openai_v2_default",
    "openai_v2_latest",
    "openllmetry",
    "openinference",
    "combo_openllmetry_openai_v2",
}


def reported_tokens(fixture: RealTraces, request: dict) -> dict[str, int]:
    """What the producer of a request reported: what the provider returned, less what it drops (module
    docstring; OBSERVED.md has the evidence)."""
    producer = fixture.producer_of(request)
    tokens = returned_tokens(request)
    if request["http_status"] != 200:
        return tokens
    if request["usage"] is None:  # a stream without usage in its response
        if producer in NO_COUNTS_ON_STREAM_WITHOUT_USAGE:
            return dict.fromkeys(TOKEN_TYPES, 0)
        (span,) = [  # openlit: its own estimate, read as it wrote it
            s
            for s in fixture.spans
            if s.producer == producer and s.attributes.get("gen_ai.response.id") == request["response_id"]
        ]
        return {
            "input": int(span.attributes["gen_ai.usage.input_tokens"]),
            "cached_input": 0,
            "cache_write": 0,
            "output": int(span.attributes["gen_ai.usage.output_tokens"]),
        }
    if request["provider"] == "openai" and producer in NO_CACHE_SPLIT:
        tokens = {**tokens, "input": tokens["input"] + tokens["cached_input"], "cached_input": 0}
    if request["provider"] == "anthropic" and request["stream"]:
        if producer == "openllmetry":  # counts message_start's output token again
            tokens = {**tokens, "output": tokens["output"] + 1}
        if producer == "openlit":  # reports no cache tokens on an Anthropic stream
            tokens = {**tokens, "cached_input": 0, "cache_write": 0}
    return tokens


FIXTURE = RealTraces("real_traces", reported=reported_tokens)


@pytest.fixture(scope="module")
def build(fixture_build) -> Build:
    built = fixture_build("real_traces")
    require_success(built)
    return built


@pytest.fixture(scope="module")
def calls(build: Build) -> list[dict]:
    return build.query(CALL_COLUMNS)


def test_the_fixture_covers_every_producer():
    producers = {s.producer for s in FIXTURE.spans}
    assert producers == {
        "anthropic_sdk",
        "combo_anthropic_sdk_openllmetry",
        "combo_openllmetry_openai_v2",
        "openai_v2_default",
        "openai_v2_latest",
        "openinference",
        "openlit",
        "openllmetry",
    }
    assert {FIXTURE.producer_of(r) for r in FIXTURE.requests} == producers


def test_every_request_is_one_call(calls):
    """Each work item has exactly as many model calls as requests the mock served for its run, whichever
    producer (or pair of producers) recorded them."""
    expected = defaultdict(int)
    for request in FIXTURE.requests:
        expected[FIXTURE.work_item_of(request)] += 1
    actual = defaultdict(int)
    for call in calls:
        actual[call["work_item_id"]] += 1
    assert dict(actual) == dict(expected)


def test_a_request_recorded_twice_counts_once(calls):
    """The anthropic SDK's span beside OpenLLMetry's (siblings), openai-v2 around OpenLLMetry (nested):
    one call each, recorded by two spans, the preferred producer's span kept."""
    for producer, kept_scope in (
        ("combo_anthropic_sdk_openllmetry", "com.anthropic.sdk.python"),
        ("combo_openllmetry_openai_v2", "opentelemetry.instrumentation.openai.v1"),
    ):
        served = [r for r in FIXTURE.requests if FIXTURE.producer_of(r) == producer]
        items = {FIXTURE.work_item_of(r) for r in served}
        produced = [c for c in calls if c["work_item_id"] in items]
        assert len(produced) == len(served)
        assert all(c["request_spans"] == 2 for c in produced), producer
        assert {c["scope_name"] for c in produced} == {kept_scope}, producer


def test_tokens_by_type_per_request(calls):
    """Every request's tokens by type, as the provider returned them (as far as its producer reported
    them), read inclusive or exclusive per producer."""
    mismatches = []
    for request in FIXTURE.requests:
        call = FIXTURE.match(calls, request)
        expected = FIXTURE.expected_tokens(request)
        if call_tokens(call) != expected:
            mismatches.append((request["label"], expected, call_tokens(call), call["input_tokens_reading"]))
    assert mismatches == []


def test_parallel_calls_of_one_model_stay_two(calls):
    """Run C makes two calls of one model at once under one step span (asyncio.gather): two calls."""
    for producer in sorted({s.producer for s in FIXTURE.spans}):
        served = [r for r in FIXTURE.requests if r["label"].startswith(f"{producer}/C/")]
        item = FIXTURE.work_item_of(served[0])
        item_calls = [c for c in calls if c["work_item_id"] == item]
        assert len(item_calls) == len(served), producer
        models = defaultdict(int)
        for call in item_calls:
            models[call["model"]] += 1
        assert max(models.values()) >= 2, producer


def test_exclusive_producer_with_cache_below_input_is_read_by_its_producer(calls):
    """openlit reports Anthropic input without cache. Run F has a cache read below the input, so the counts
    alone cannot tell; the producers seed does: input stays as reported."""
    (request,) = [r for r in FIXTURE.requests if r["label"].startswith("openlit/F/") and r["provider"] == "anthropic"]
    usage = request["usage"]
    assert 0 < usage["cache_read_input_tokens"] < usage["input_tokens"]  # the case this test is for
    call = FIXTURE.match(calls, request)
    assert call["input_tokens_reading"] == "exclusive: producer"
    assert (call["input_tokens"], call["cached_input_tokens"]) == (
        usage["input_tokens"],
        usage["cache_read_input_tokens"],
    )


def test_failed_requests_are_errored_calls(calls):
    """429 and 500 answers are errored calls of their run, whatever the producer kept on the span (openlit's
    failed Anthropic span keeps only its name; OpenInference's has no error.type)."""
    expected = defaultdict(int)
    for request in FIXTURE.requests:
        if request["http_status"] != 200:
            expected[FIXTURE.work_item_of(request)] += 1
    actual = defaultdict(int)
    for call in calls:
        if call["is_error"]:
            actual[call["work_item_id"]] += 1
    assert dict(actual) == dict(expected)


def test_http_client_spans_are_not_calls(build: Build):
    assert any(s.name == "POST" for s in FIXTURE.spans), "the fixture has HTTP client spans"
    assert (
        build.scalar(
            "select count(*) from intermediate.int_model_calls where span_id in"
            " (select span_id from staging.stg_otel__spans where span_name = 'POST')"
        )
        == 0
    )


def test_every_call_has_its_step_and_run(calls):
    """The step comes from the call, the step span around it, or baggage; the run from the span naming the
    work item, below an HTTP server root in run B."""
    for request in FIXTURE.requests:
        call = FIXTURE.match(calls, request)
        assert call["work_item_id"] == FIXTURE.work_item_of(request)
        assert call["workflow_step"] == request["label"].split("/")[2], request["label"]


def test_work_items_are_linked_with_one_run_each(build: Build):
    rows = build.query("select work_item_id, runs, team_id, outcome_class from marts.fct_work_items")
    by_item = {r["work_item_id"]: r for r in rows}
    assert set(by_item) == {FIXTURE.work_item_of(r) for r in FIXTURE.requests}
    teams = {"TK": "support-automation", "CL": "claims-ops", "CT": "legal-ops"}
    for item, row in by_item.items():
        assert (row["runs"], row["team_id"], row["outcome_class"]) == (1, teams[item[:2]], "automated"), item


def test_cache_split_gaps_are_found_per_scope(build: Build):
    """openai-v2 reports no cached count while the bill has cached input: a data-quality finding per
    provider, model, day and scope, for exactly the two scopes that write openai-v2's chat spans."""
    rows = build.query("select provider, model, scope_name from marts.mart_cache_split_gaps")
    assert {(r["provider"], r["model"], r["scope_name"]) for r in rows} == {
        ("openai", "gpt-4o-mini-2024-07-18", "opentelemetry.instrumentation.openai_v2"),
        ("openai", "gpt-4o-mini-2024-07-18", "opentelemetry.util.genai.handler"),
    }


def test_cost_per_work_item_is_the_bill_allocated(build: Build):
    expected = FIXTURE.expected_work_item_costs()
    rows = build.query("select work_item_id, ai_cost_usd, provisional_ai_cost_usd from marts.fct_work_items")
    actual = {r["work_item_id"]: r["ai_cost_usd"] for r in rows}
    assert set(actual) == set(expected)
    for item, cost in actual.items():
        assert cost == pytest.approx(expected[item], abs=1e-9), item
    assert all(r["provisional_ai_cost_usd"] == 0 for r in rows)  # every call is billed


def test_ledger_holds_the_bill(build: Build):
    billed = sum(float(r["amount_value"]) for r in _csv("openai_costs")) + sum(
        float(r["amount"]) / 100 for r in _csv("anthropic_costs")
    )
    assert build.scalar("select sum(amount_usd) from marts.fct_spend_ledger") == pytest.approx(billed, abs=1e-6)


def _csv(table: str) -> list[dict]:
    with (FIXTURE.directory / "landing" / f"{table}.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_otlp_flattened_by_the_loader_reads_the_same(build: Build, tmp_path_factory, landing_build):
    """PostgreSQL and Spark read OTLP files through the loader's flattening into otel_spans
    (token_ledger/otlp.py): the same files flattened and read on DuckDB give the same calls, runs and work
    items, to the position of every span in its file."""
    import shutil

    from token_ledger import otlp

    landing = tmp_path_factory.mktemp("real-traces-flattened")
    for path in (FIXTURE.directory / "landing").glob("*.csv"):
        shutil.copy(path, landing / path.name)
    with (landing / "otel_spans.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=otlp.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(otlp.span_rows(FIXTURE.directory / "landing"))
    flattened = landing_build(landing)
    require_success(flattened)
    for relation in ("marts.fct_model_calls", "marts.fct_runs", "marts.fct_work_items", "staging.stg_otel__spans"):
        query = f"select * from {relation} order by all"
        assert flattened.query(query) == build.query(query), relation
