"""One future-dated row cannot move "today" (issue 16): the money fixture plus a FOCUS charge and a span dated
2100-01-01. The builds pin the run's day (var run_date, harness.RUN_DATE); each future row is kept and
warned on, and every "latest date" stays where the real data puts it: the budget's as-of day, the billing
coverage, and the incremental window (a later run still picks up the next real day's spans).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from harness import Build, build_project, fixture_dir, require_success

MONEY = fixture_dir("money")
FUTURE_NANOS = 4102444800 * 10**9 + 3_600 * 10**9  # 2100-01-01 01:00 UTC


def _landing(tmp_path: Path, extra_span_day: str | None = None) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(MONEY / "landing", landing)
    with (landing / "focus_charges.csv").open() as handle:
        rows = list(csv.reader(handle))
    future = list(rows[1])
    header = rows[0]
    future[header.index("ChargePeriodStart")] = "2100-01-01T00:00:00Z"
    future[header.index("ChargePeriodEnd")] = "2100-01-02T00:00:00Z"
    future[header.index("BillingPeriodStart")] = "2100-01-01T00:00:00Z"
    future[header.index("InvoiceId")] = ""
    with (landing / "focus_charges.csv").open("a", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(future)
    spans = [
        (
            "fe" * 16,
            "fe00000000000001",
            "",
            "chat gpt-x-2025",
            FUTURE_NANOS,
            FUTURE_NANOS + 10**9,
            '{"gen_ai.operation.name":"chat","gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-x-2025",'
            '"gen_ai.usage.input_tokens":100,"gen_ai.usage.output_tokens":10}',
        )
    ]
    if extra_span_day:
        start = int(extra_span_day) * 10**9
        spans.append(
            (
                "fd" * 16,
                "fd00000000000001",
                "",
                "chat gpt-x-2025",
                start,
                start + 10**9,
                '{"gen_ai.operation.name":"chat","gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-x-2025",'
                '"gen_ai.usage.input_tokens":200,"gen_ai.usage.output_tokens":20}',
            )
        )
    with (landing / "otel_spans.csv").open("a", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for trace, span, parent, name, start, end, attributes in spans:
            writer.writerow(
                [trace, span, parent, name, start, end, "STATUS_CODE_OK", attributes, '{"service.name":"svc-alpha"}']
            )
    return landing


@pytest.fixture(scope="module")
def future(tmp_path_factory: pytest.TempPathFactory) -> Build:
    tmp = tmp_path_factory.mktemp("future-dated")
    build = build_project(_landing(tmp), tmp, seeds_dir=MONEY / "seeds")
    require_success(build)
    return build


def test_future_rows_are_kept_and_warned_on(future: Build) -> None:
    assert future.scalar("select count(*) from marts.fct_model_calls where span_id = 'fe00000000000001'") == 1
    assert future.scalar("select count(*) from marts.fct_spend_ledger where charge_date = '2100-01-01'") == 1
    assert future.node("warn_spans_dated_after_the_run_date").status == "warn"
    assert future.node("warn_spans_dated_after_the_run_date").failures == 1
    assert future.node("warn_charges_dated_after_the_run_date").failures == 1


def test_the_budget_as_of_day_and_billing_coverage_stay_on_real_data(future: Build) -> None:
    """The money fixture's latest charge date is 2026-07-01 (EXPECTED.md): the as-of day stays there, and
    aws.bedrock stays billed through 2026-06-13, whatever the row of 2100 says."""
    assert {
        r["as_of_date"].isoformat() for r in future.query("select distinct as_of_date from marts.mart_budget_vs_actual")
    } == {"2026-07-01"}
    coverage = {
        r["provider"]: r["billed_through_date"].isoformat()
        for r in future.query(
            "select provider, max(billed_through_date) as billed_through_date"
            " from intermediate.int_billing_coverage group by 1"
        )
    }
    assert coverage["aws.bedrock"] == "2026-06-13"


def test_the_incremental_window_is_not_moved_by_a_future_span(tmp_path: Path) -> None:
    """After a build holding the span of 2100, an incremental run on the next real day's data still
    processes that day (a window starting from 2100 would skip it)."""
    landing = _landing(tmp_path)
    first = build_project(landing, tmp_path, seeds_dir=MONEY / "seeds")
    require_success(first)
    later = _landing(tmp_path / "later", extra_span_day="1782950400")  # 2026-07-02
    shutil.rmtree(landing)
    shutil.copytree(later, landing)
    second = build_project(landing, tmp_path, seeds_dir=MONEY / "seeds", fresh=False)
    require_success(second)
    assert second.scalar("select count(*) from intermediate.int_model_calls where span_id = 'fd00000000000001'") == 1
