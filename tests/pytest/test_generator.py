"""Tests of ``token-ledger generate`` (token_ledger/generate/), the demo landing-data generator.

They check the generator itself, not the dbt project: the files follow the landing contract
column for column, the output is deterministic, ``_expected.json`` tells the truth about what
was written and planted, and the money and token arithmetic the project will rely on holds.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from token_ledger import generate as gl
from token_ledger.generate.writers import CSV_TABLES, GENERATED_TABLES, landing_columns

REPO_ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--scale", "0.2", "--seed", "7"]

MODEL_OPS = {"chat", "text_completion", "generate_content", "embeddings"}
FOCUS_CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}


def generate(out: Path, *extra: str) -> Path:
    gl.main(["--out", str(out), *SMALL, *extra])
    return out


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_spans(out: Path) -> list[dict]:
    parquet = out / "otel_spans.parquet"
    if parquet.exists():
        return pq.read_table(parquet).to_pylist()
    return read_csv(out / "otel_spans.csv")


def decimal_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def expected(demo) -> dict:
    return json.loads((demo / "_expected.json").read_text())


@pytest.fixture(scope="module")
def spans(demo) -> list[dict]:
    return read_spans(demo)


# ---------------------------------------------------------------------------- contract


def test_one_file_per_landing_table(demo):
    names = {p.name for p in demo.iterdir()}
    wanted = {f"{t}.csv" for t in CSV_TABLES} | {
        "otel_spans.parquet",
        "_expected.json",
    }
    assert names == wanted


def test_every_file_has_exactly_the_landing_columns(demo):
    for table in CSV_TABLES:
        with open(demo / f"{table}.csv", newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert header == landing_columns(table), table
    schema = pq.read_schema(demo / "otel_spans.parquet")
    assert schema.names == landing_columns("otel_spans")
    assert str(schema.field("start_time_unix_nano").type) == "int64"


def test_landing_columns_match_the_spec():
    """The generator's column lists come from the sources YAML; guard against drift from landing.md."""
    spec = REPO_ROOT.parent / "shared" / "spec" / "landing.md"
    if not spec.exists():
        pytest.skip("landing.md not beside the repo")
    text = spec.read_text()
    for table in GENERATED_TABLES:
        columns = landing_columns(table)
        assert f"`{table}`" in text, table
        for column in columns:
            assert column in text, (table, column)


def test_row_counts_match_expected(demo, expected, spans):
    for table in CSV_TABLES:
        assert len(read_csv(demo / f"{table}.csv")) == expected["row_counts"][table], table
    assert len(spans) == expected["row_counts"]["otel_spans"]
    bad = sum(expected["quarantine"]["otel_spans"].values())
    assert len(spans) == (
        expected["distinct_spans"] + expected["duplicate_spans"] + expected["redelivered_spans"] + bad
    )


def test_csv_spans_format_has_the_same_rows(tmp_path, expected):
    out = generate(tmp_path, "--spans-format", "csv")
    rows = read_csv(out / "otel_spans.csv")
    assert list(rows[0]) == landing_columns("otel_spans")
    assert len(rows) == expected["row_counts"]["otel_spans"]


# ---------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_files(demo, tmp_path):
    again = generate(tmp_path / "again")
    for path in sorted(demo.iterdir()):
        assert path.read_bytes() == (again / path.name).read_bytes(), path.name


def test_other_seed_gives_other_data(demo, tmp_path):
    other = tmp_path / "other"
    gl.main(["--out", str(other), "--scale", "0.2", "--seed", "8"])
    assert (demo / "tickets.csv").read_bytes() != (other / "tickets.csv").read_bytes()


def test_cli_small_scale_is_fast(tmp_path):
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "token_ledger", "generate", "--out", str(tmp_path), *SMALL, "--weeks", "4"],
        check=True,
    )
    assert time.monotonic() - started < 30
    assert (tmp_path / "_expected.json").exists()


# ---------------------------------------------------------------------------- spans


def good_spans(spans: list[dict]) -> dict[tuple, tuple[dict, dict]]:
    """Deduplicated, parseable spans: (trace_id, span_id) -> (row, attributes); latest wins."""
    chosen: dict[tuple, tuple[dict, dict]] = {}
    for row in spans:
        if not row["span_id"]:
            continue
        try:
            attrs = json.loads(row["attributes"])
        except json.JSONDecodeError:
            continue
        key = (row["trace_id"], row["span_id"])
        if key not in chosen or int(row["end_time_unix_nano"]) > int(chosen[key][0]["end_time_unix_nano"]):
            chosen[key] = (row, attrs)
    return chosen


def test_span_ids_and_json(spans):
    for row in spans:
        assert len(row["trace_id"]) == 32 and row["trace_id"] == row["trace_id"].lower()
        assert row["span_id"] == "" or len(row["span_id"]) == 16
        assert row["parent_span_id"] == "" or len(row["parent_span_id"]) == 16
        assert row["status_code"] in {
            "STATUS_CODE_UNSET",
            "STATUS_CODE_OK",
            "STATUS_CODE_ERROR",
        }
        assert int(row["end_time_unix_nano"]) >= int(row["start_time_unix_nano"])
        assert "service.name" in json.loads(row["resource_attributes"])


def test_duplicates_and_redeliveries(spans, expected):
    by_key = defaultdict(list)
    for row in spans:
        by_key[(row["trace_id"], row["span_id"])].append(row)
    identical = later = 0
    for rows in by_key.values():
        for extra in rows[1:]:
            if extra == rows[0]:
                identical += 1
            else:
                later += 1
                assert extra["end_time_unix_nano"] != rows[0]["end_time_unix_nano"]
    assert identical == expected["duplicate_spans"]
    assert later == expected["redelivered_spans"]


def test_good_model_calls_have_consistent_tokens(spans, expected):
    calls = [a for _, a in good_spans(spans).values() if a.get("gen_ai.operation.name") in MODEL_OPS]
    negative = exceeding = 0
    totals = defaultdict(lambda: defaultdict(int))
    for a in calls:
        inp = a["gen_ai.usage.input_tokens"]
        out = a.get("gen_ai.usage.output_tokens", 0)
        read = a.get("gen_ai.usage.cache_read.input_tokens", 0)
        write = a.get("gen_ai.usage.cache_creation.input_tokens", 0)
        if min(inp, out, read, write) < 0:
            negative += 1
            continue
        # cache above the input count: the producer reports input without cache (real-inputs.md 2)
        exclusive = read + write > inp
        exceeding += exclusive
        provider = totals[a["gen_ai.provider.name"]]
        provider["input"] += inp if exclusive else inp - read - write
        provider["cached_input"] += read
        provider["cache_write"] += write
        provider["output"] += out
        if a.get("gen_ai.request.service_tier") == "batch":
            assert a["gen_ai.provider.name"] in {"openai", "anthropic"}
    quarantine = expected["quarantine"]["otel_spans"]
    assert negative == quarantine["negative token count"]
    assert exceeding == expected["exclusive_input_calls"] == 1
    assert "cache tokens exceed input tokens" not in quarantine
    assert len(calls) - negative == expected["model_calls"]
    assert {p: dict(v) for p, v in totals.items()} == expected["traced_tokens"]


def test_planted_span_defects_are_present(spans, expected):
    bad_json = sum(1 for r in spans if not _is_json(r["attributes"]))
    quarantine = expected["quarantine"]["otel_spans"]
    assert bad_json == quarantine["invalid json attributes"]
    assert sum(1 for r in spans if r["span_id"] == "") == quarantine["missing span_id"]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def test_story_elements_are_present(spans, expected):
    chosen = good_spans(spans)
    present = {k[1] for k in chosen}
    roots = [a for r, a in chosen.values() if r["parent_span_id"] == ""]
    services = {json.loads(r["resource_attributes"])["service.name"] for r, _ in chosen.values()}
    assert set(expected["unknown_services"]) <= services
    assert any("work_item.id" not in a for a in roots)  # unlinked traffic
    rooted = {r["trace_id"] for r, _ in chosen.values() if r["parent_span_id"] == ""}
    orphans = [r for r, _ in chosen.values() if r["trace_id"] not in rooted]
    assert len(orphans) == expected["orphan_spans"] > 0
    assert all(r["parent_span_id"] not in present for r in orphans)
    reviews = [a for r, a in chosen.values() if r["name"] == "human_review"]
    assert {a["review.outcome"] for a in reviews} == {
        "approved",
        "corrected",
        "overridden",
    }
    models = {a.get("gen_ai.response.model", a.get("gen_ai.request.model")) for _, a in chosen.values()}
    assert {m["model"] for m in expected["unpriced_models"]} <= models
    for _, a in chosen.values():
        if a.get("gen_ai.operation.name") in {"chat", "generate_content"}:
            assert "gen_ai.input.messages" in a


def test_outcome_classes_cover_every_type(expected):
    for item_type, counts in expected["outcomes"].items():
        classes = ["open", "assisted", "automated", "failed"]
        for klass in classes:
            assert counts[klass] > 0, (item_type, klass)
        assert sum(counts[k] for k in classes) == counts["items"]


def test_current_outcome_rows_are_well_formed(demo):
    """The planted bad CDC rows are never the latest version of their item."""
    for table, key, status, allowed in [
        (
            "tickets",
            "ticket_id",
            "status",
            {"new", "open", "pending", "hold", "solved", "closed"},
        ),
        (
            "claims",
            "claim_id",
            "decision",
            {"approved", "denied", "pended", "withdrawn", ""},
        ),
        (
            "contracts",
            "contract_id",
            "review_status",
            {"in_review", "approved", "redlined", "rejected"},
        ),
    ]:
        latest: dict[str, dict] = {}
        for row in read_csv(demo / f"{table}.csv"):
            if not row[key] or not row["updated_at"][:4].isdigit():
                continue
            at = _utc(row["updated_at"])
            if row[key] not in latest or at > _utc(latest[row[key]]["updated_at"]):
                latest[row[key]] = row
        assert all(r[status] in allowed for r in latest.values()), table


def _utc(text: str):
    import datetime as dt

    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


# ---------------------------------------------------------------------------- billing


def billing_lines(demo: Path) -> list[dict]:
    """Good billing rows as (provider, account, month, currency, amount, is_tax)."""
    lines = []
    for r in read_csv(demo / "openai_costs.csv"):
        amount = decimal_or_none(r["amount_value"])
        if amount is None or r["amount_currency"].upper() != "USD":
            continue
        month = _month_of_epoch(int(r["start_time"]))
        lines.append(("openai", r["organization_id"], month, "USD", amount, False))
    for r in read_csv(demo / "anthropic_costs.csv"):
        if not r["starting_at"]:
            continue
        lines.append(
            (
                "anthropic",
                r["organization_id"],
                r["starting_at"][:7] + "-01",
                r["currency"],
                Decimal(r["amount"]) / 100,
                False,
            )
        )
    provider_of = {
        "Amazon Bedrock": "aws.bedrock",
        "Azure OpenAI Service": "azure.ai.openai",
        "Vertex AI": "gcp.vertex_ai",
    }
    for r in read_csv(demo / "focus_charges.csv"):
        amount = decimal_or_none(r["BilledCost"])
        if r["ChargeCategory"] not in FOCUS_CATEGORIES or amount is None:
            continue
        if not _is_json(r["SkuPriceDetails"]):
            continue
        lines.append(
            (
                provider_of[r["ServiceName"]],
                r["BillingAccountId"],
                r["ChargePeriodStart"][:7] + "-01",
                r["BillingCurrency"],
                amount,
                r["ChargeCategory"] == "Tax",
            )
        )
    return lines


def _month_of_epoch(seconds: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-01")


def test_invoices_reconcile_with_their_lines(demo, expected):
    sums = defaultdict(lambda: {"subtotal": Decimal(0), "tax": Decimal(0), "currencies": set()})
    for provider, account, month, currency, amount, is_tax in billing_lines(demo):
        entry = sums[(provider, account, month)]
        entry["tax" if is_tax else "subtotal"] += amount
        entry["currencies"].add(currency)
    # A readable line in a currency without an FX rate is a billing line too (metrics.md 12); being in
    # another currency than its invoice, it makes that invoice a currency mismatch.
    for row in expected["quarantined_billing_rows"]:
        if row["reason"] == "no fx rate for currency":
            month = row["charge_date"][:8] + "01"
            sums[(row["provider"], row["billing_account_id"], month)]["currencies"].add(row["currency"].upper())
    invoices = {r["invoice_id"]: r for r in read_csv(demo / "invoices.csv")}
    status = expected["invoices"]
    assert set(invoices) == set(status["matched"]) | set(status["variance"]) | set(status["currency_mismatch"])
    assert status["variance"] and status["currency_mismatch"] and expected["uninvoiced"]
    covered = set()
    for invoice_id, inv in invoices.items():
        key = (inv["provider"], inv["billing_account_id"], inv["period_start"])
        covered.add(key)
        lines = sums[key]
        subtotal, tax = Decimal(inv["subtotal"]), Decimal(inv["tax"])
        assert Decimal(inv["total"]) == subtotal + tax
        assert tax == lines["tax"], invoice_id
        variance = subtotal - lines["subtotal"]
        if invoice_id in status["variance"]:
            assert abs(variance) > Decimal("0.01")
            assert variance == Decimal(expected["invoice_variances"][invoice_id])
        else:
            assert variance == 0, invoice_id
        if invoice_id in status["currency_mismatch"]:
            assert lines["currencies"] != {inv["currency"]}
        else:
            assert lines["currencies"] == {inv["currency"]}, invoice_id
    uninvoiced = {(u["provider"], u["billing_account_id"], u["month"]) for u in expected["uninvoiced"]}
    assert set(sums) - covered == uninvoiced


def test_billed_totals_match_lines(demo, expected):
    totals = defaultdict(lambda: defaultdict(Decimal))
    for provider, _, _, currency, amount, _ in billing_lines(demo):
        totals[provider][currency] += amount
    assert {p: {c: f"{a:.6f}" for c, a in v.items()} for p, v in totals.items()} == expected["billed_totals"]


def test_money_is_written_in_fixed_point(demo):
    for table, column in [
        ("openai_costs", "amount_value"),
        ("anthropic_costs", "amount"),
        ("focus_charges", "BilledCost"),
        ("invoices", "subtotal"),
    ]:
        for row in read_csv(demo / f"{table}.csv"):
            assert "e" not in row[column].lower() or row[column] == "abc", (
                table,
                row[column],
            )


def test_usage_exports_never_exceed_costs_grain(demo):
    """Every OpenAI usage row's input includes its cached tokens."""
    for r in read_csv(demo / "openai_usage.csv"):
        assert int(r["input_tokens"]) >= int(r["input_cached_tokens"]) >= 0
        assert r["batch"] in {"true", "false"}


PLANTED_REASONS = {
    "otel_spans": {
        "invalid json attributes",
        "missing span_id",
        "negative token count",
    },
    "openai_costs": {"unparseable amount_value", "no fx rate for currency"},
    "anthropic_costs": {"missing starting_at"},
    "openai_usage": {"negative token count"},
    "focus_charges": {
        "unknown ChargeCategory",
        "unparseable BilledCost",
        "invalid json SkuPriceDetails",
    },
    "tickets": {"unknown status", "unparseable updated_at"},
    "claims": {"missing claim_id", "unknown decision"},
    "contracts": {"unknown review_status"},
}


def test_every_planted_defect_is_present(expected):
    for table, reasons in PLANTED_REASONS.items():
        got = expected["quarantine"][table]
        assert set(got) == reasons, table
        assert all(n >= 1 for n in got.values()), table
    assert not expected["quarantine"]["invoices"]
    assert expected["unknown_work_items"] and expected["overcounted_pools"]
    assert expected["unbilled_days"] and expected["untraced_only_projects"]


def test_spans_are_written_in_bounded_row_groups(tmp_path):
    out = tmp_path / "groups"
    gl.main(["--out", str(out), "--scale", "0.2", "--weeks", "2", "--row-group-size", "500"])
    meta = pq.ParquetFile(out / "otel_spans.parquet").metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert len(sizes) > 2
    assert all(n == 500 for n in sizes[:-1]) and 0 < sizes[-1] <= 500


def test_quarantine_counts_are_what_the_files_hold(demo, expected):
    q = expected["quarantine"]
    tickets = read_csv(demo / "tickets.csv")
    assert sum(r["status"] == "archived" for r in tickets) == q["tickets"]["unknown status"]
    assert sum(r["updated_at"] == "yesterday" for r in tickets) == q["tickets"]["unparseable updated_at"]
    claims = read_csv(demo / "claims.csv")
    assert sum(r["claim_id"] == "" for r in claims) == q["claims"]["missing claim_id"]
    assert sum(r["decision"] == "maybe" for r in claims) == q["claims"]["unknown decision"]
    contracts = read_csv(demo / "contracts.csv")
    assert sum(r["review_status"] == "lost" for r in contracts) == q["contracts"]["unknown review_status"]
    focus = read_csv(demo / "focus_charges.csv")
    assert (
        sum(r["ChargeCategory"] not in FOCUS_CATEGORIES for r in focus) == q["focus_charges"]["unknown ChargeCategory"]
    )
    costs = read_csv(demo / "openai_costs.csv")
    assert (
        sum(decimal_or_none(r["amount_value"]) is None for r in costs) == q["openai_costs"]["unparseable amount_value"]
    )
    usage = read_csv(demo / "openai_usage.csv")
    assert sum(int(r["output_tokens"]) < 0 for r in usage) == q["openai_usage"]["negative token count"]
    anthropic = read_csv(demo / "anthropic_costs.csv")
    assert sum(r["starting_at"] == "" for r in anthropic) == q["anthropic_costs"]["missing starting_at"]
