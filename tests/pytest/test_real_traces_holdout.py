"""The blind check of issue 12: a producer the project was not built against (the Vercel AI SDK on
Node, tests/fixtures/real_traces_holdout, generated with the other real traces but never read while the
dialect seeds were written). Every request it recorded must be one call with the provider's token counts,
its failures errored calls, and each work item's cost the bill allocated (real_traces.py has the oracle).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from harness import Build, require_success
from real_traces import CALL_COLUMNS, RealTraces, call_tokens

HOLDOUT = RealTraces("real_traces_holdout")


@pytest.fixture(scope="module")
def calls(fixture_build) -> list[dict]:
    build: Build = fixture_build("real_traces_holdout")
    require_success(build)
    return build.query(CALL_COLUMNS)


def test_every_request_is_one_call_with_the_provider_tokens(calls):
    expected = defaultdict(int)
    for request in HOLDOUT.requests:
        expected[HOLDOUT.work_item_of(request)] += 1
    actual = defaultdict(int)
    for call in calls:
        actual[call["work_item_id"]] += 1
    assert dict(actual) == dict(expected)
    mismatches = []
    for request in HOLDOUT.requests:
        call = HOLDOUT.match(calls, request)
        if call_tokens(call) != HOLDOUT.expected_tokens(request) or call["is_error"] != (request["http_status"] != 200):
            mismatches.append((request["label"], HOLDOUT.expected_tokens(request), call_tokens(call), call["is_error"]))
    assert mismatches == []


def test_cost_per_work_item_is_the_bill_allocated(fixture_build):
    build: Build = fixture_build("real_traces_holdout")
    expected = HOLDOUT.expected_work_item_costs()
    actual = {r["work_item_id"]: r["ai_cost_usd"] for r in build.query("select * from marts.fct_work_items")}
    assert set(actual) == set(expected)
    for item, cost in actual.items():
        assert cost == pytest.approx(expected[item], abs=1e-9), item
