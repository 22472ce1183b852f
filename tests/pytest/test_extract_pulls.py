"""``token-ledger extract`` over time and under failure: re-pulls replace settling days, a failed or killed
pull leaves the previous landing whole, 429/5xx are retried, 401/403 are one line, the key is never shown.
The mock API (``api``, conftest.py) runs on 127.0.0.1."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

import pytest
from extract_mock import ANTHROPIC_KEY, KEY, MockApi, epoch, extract, openai_day, read

from token_ledger import cli
from token_ledger.extract.landing import STATE_FILE

# ----------------------------------------------------------------------------------- re-pulls and state


def test_a_repull_replaces_a_settling_day(api, capsys, tmp_path):
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages(
        "/v1/organization/costs",
        [{"data": [openai_day(f"2026-09-0{d}", {"m, input": d, "m, output": 10 + d}) for d in range(1, 6)]}],
    )
    args = ["openai", "--out", str(tmp_path)]
    assert extract(capsys, *args, "--since", "2026-09-01", "--until", "2026-09-05")[0] == 0
    _, before = read(tmp_path / "openai_costs.csv")

    api.server.clear()
    api.requests.clear()
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    # day 5 settled: its input moved, its output line is gone; days 3 and 4 unchanged; day 6 is new
    settled = [openai_day("2026-09-03", {"m, input": 3, "m, output": 13}), openai_day("2026-09-04", {"m, input": 4})]
    settled += [openai_day("2026-09-05", {"m, input": 5.5}), openai_day("2026-09-06", {"m, input": 6})]
    api.pages("/v1/organization/costs", [{"data": settled}])
    code, out, _ = extract(capsys, *args, "--until", "2026-09-06")  # no --since: from the state
    assert code == 0
    # the last pull ended after 2026-09-05: re-pull 3 days before that, from 2026-09-03
    assert api.seen("/v1/organization/costs")[0].query["start_time"] == [str(epoch("2026-09-03"))]
    _, after = read(tmp_path / "openai_costs.csv")
    by_day = {}
    for row in after:
        day = dt.datetime.fromtimestamp(int(row["start_time"]), dt.UTC).date().isoformat()
        by_day.setdefault(day, {})[row["line_item"]] = row["amount_value"]
    assert by_day == {
        "2026-09-01": {"m, input": "1", "m, output": "11"},
        "2026-09-02": {"m, input": "2", "m, output": "12"},
        "2026-09-03": {"m, input": "3", "m, output": "13"},
        "2026-09-04": {"m, input": "4"},
        "2026-09-05": {"m, input": "5.5"},
        "2026-09-06": {"m, input": "6"},
    }
    assert after[:4] == before[:4]  # days 1 and 2 untouched, byte for byte
    assert "(6 earlier rows of those days replaced)" in out
    state = (tmp_path / STATE_FILE).read_text()
    assert '"pulled_through": "2026-09-06"' in state and '"organization_id": "org-abc"' in state


def test_the_first_pull_needs_since(api, capsys, tmp_path):
    code, _, err = extract(capsys, "openai", "--out", str(tmp_path))
    assert code == 1 and "give --since" in err


# ------------------------------------------------------------------------------- failures leave no trace


def first_pull(api: MockApi, capsys, out: Path) -> dict[str, bytes]:
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": [openai_day("2026-09-01", {"m, input": 1})]}])
    assert extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-01", "--out", str(out))[0] == 0
    api.server.clear()
    return {path.name: path.read_bytes() for path in out.iterdir()}


def test_a_failing_page_after_some_pages_leaves_the_previous_landing(api, capsys, tmp_path):
    before = first_pull(api, capsys, tmp_path)
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    pages = [{"data": [openai_day(f"2026-09-0{d}", {"m, input": 9})]} for d in (1, 2, 3)]
    api.pages("/v1/organization/costs", pages)
    api.broken[("/v1/organization/costs", "page_2")] = 500  # pages 1 and 2 answer, page 3 fails every time
    code, _, err = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-03", "--out", str(tmp_path))
    assert code == 1 and "Traceback" not in err
    *retries, error = err.strip().splitlines()  # the retries as they happen, then one line
    assert len(retries) == 2 and all("HTTP 500; retry" in line for line in retries)
    assert error == (
        "token-ledger extract openai: GET /organization/costs for 2026-09-03: HTTP 500, still failing after 3 attempts"
    )
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_an_exception_while_writing_leaves_the_previous_file(api, capsys, tmp_path, monkeypatch):
    before = first_pull(api, capsys, tmp_path)
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": [openai_day("2026-09-01", {f"m{i}, input": i for i in range(50)})]}])
    written = []

    def dies_after_ten_rows(self, row):
        written.append(row)
        if len(written) > 10:
            raise KeyboardInterrupt("killed")  # as a kill would: not an Exception
        return original(self, row)

    original = csv.DictWriter.writerow
    monkeypatch.setattr(csv.DictWriter, "writerow", dies_after_ten_rows)
    with pytest.raises(KeyboardInterrupt):
        cli.main(["extract", "openai", "--since", "2026-09-01", "--until", "2026-09-01", "--out", str(tmp_path)])
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before  # no temp file either


# ------------------------------------------------------------------------------ retries, refusals, the key


def test_429_is_retried_after_retry_after_and_500_with_backoff(api, capsys, tmp_path):
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": [openai_day("2026-09-01", {"m, input": 1})]}])
    api.fail_first("/v1/organization/costs", (429, {"retry-after": "1"}))
    api.fail_first("/v1/organization/usage/completions", (500, {}), (503, {}))
    started = dt.datetime.now()
    code, _, err = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-01", "--out", str(tmp_path))
    assert code == 0
    assert (dt.datetime.now() - started).total_seconds() >= 1.0  # the server's retry-after was honoured
    assert len(api.seen("/v1/organization/costs")) == 2 and len(api.seen("/v1/organization/usage/completions")) == 3
    assert "HTTP 429; retry 1 of 2 in 1.0 s" in err  # what it waits for is said, on stderr
    assert "HTTP 500; retry 1 of 2" in err and "HTTP 503; retry 2 of 2" in err


def test_401_is_one_line_naming_the_key_and_the_permission(api, capsys, tmp_path):
    api.server.expect_request("/v1/organization/costs").respond_with_data("no", status=401)
    code, out, err = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-02", "--out", str(tmp_path))
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "OPENAI_ADMIN_KEY" in err and "admin key" in err and "organization owner" in err

    api.server.expect_request("/v1/organizations/cost_report").respond_with_data("no", status=403)
    code, _, err = extract(
        capsys, "anthropic", "--since", "2026-09-01", "--until", "2026-09-02", "--out", str(tmp_path)
    )
    assert code == 3 and "ANTHROPIC_ADMIN_KEY" in err and "Admin API key" in err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_key_is_said_before_any_request(api, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    code, _, err = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-02", "--out", str(tmp_path))
    assert code == 2 and "OPENAI_ADMIN_KEY is not set" in err and api.requests == []


def test_the_key_never_appears_in_output_logs_or_files(api, capsys, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": [openai_day("2026-09-01", {"m, input": 1})]}, {"data": []}])
    api.fail_first("/v1/organization/costs", (429, {"retry-after": "0"}), (500, {}))
    api.server.expect_request("/v1/organizations/me").respond_with_json({"id": "org", "echo": ANTHROPIC_KEY})
    api.server.expect_request("/v1/organizations/cost_report").respond_with_data(f"bad key {ANTHROPIC_KEY}", status=400)
    texts = []
    for args in (
        ["openai", "--since", "2026-09-01", "--until", "2026-09-03"],
        ["anthropic", "--since", "2026-09-01", "--until", "2026-09-03"],  # the server echoes the key back
    ):
        code, out, err = extract(capsys, *args, "--out", str(tmp_path))
        texts += [out, err]
    assert code == 1 and "***" in texts[-1]
    texts += [record.getMessage() for record in caplog.records]
    texts += [path.read_text() for path in tmp_path.iterdir()]
    assert all(KEY not in text and ANTHROPIC_KEY not in text for text in texts)
    assert any("retry" in record.getMessage() for record in caplog.records)


# ------------------------------------------------------------------------------------------ small parts


def test_a_long_backfill_is_asked_in_chunks_the_api_allows(api, capsys, tmp_path):
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": []}])
    code, _, _ = extract(capsys, "openai", "--since", "2026-07-01", "--until", "2026-09-03", "--out", str(tmp_path))
    assert code == 0
    usage = [(r.query["start_time"][0], r.query["limit"][0]) for r in api.seen("/v1/organization/usage/completions")]
    assert usage == [
        (str(epoch("2026-07-01")), "31"),
        (str(epoch("2026-08-01")), "31"),
        (str(epoch("2026-09-01")), "3"),
    ]
    assert [r.query["limit"] for r in api.seen("/v1/organization/costs")] == [["65"]]


def test_empty_tables_are_added_only_where_no_file_is(api, capsys, tmp_path):
    (tmp_path / "invoices.csv").write_text("invoice_id\nINV-1\n")
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": []}])
    args = ["openai", "--since", "2026-09-01", "--until", "2026-09-01", "--out", str(tmp_path), "--with-empty-tables"]
    code, out, _ = extract(capsys, *args)
    assert code == 0 and "focus_charges: no file" in out
    assert (tmp_path / "invoices.csv").read_text() == "invoice_id\nINV-1\n"
    header, rows = read(tmp_path / "focus_charges.csv")
    assert rows == [] and header[:2] == ["BillingAccountId", "ServiceProviderName"]


def test_retry_after_reads_seconds_and_http_dates():
    from token_ledger.extract.http import retry_after_seconds

    now = dt.datetime(2026, 9, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("2", now) == 2.0
    assert retry_after_seconds("Tue, 01 Sep 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_a_backfill_does_not_move_the_next_pull_back(api, capsys, tmp_path):
    api.pages("/v1/organization/usage/completions", [{"data": []}])
    api.pages("/v1/organization/costs", [{"data": []}])
    out = ["--out", str(tmp_path)]
    assert extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-10", *out)[0] == 0
    assert extract(capsys, "openai", "--since", "2026-06-01", "--until", "2026-06-30", *out)[0] == 0
    api.requests.clear()
    assert extract(capsys, "openai", "--until", "2026-09-12", *out)[0] == 0
    assert api.seen("/v1/organization/costs")[0].query["start_time"] == [str(epoch("2026-09-08"))]


def test_a_parquet_file_of_the_table_is_not_shadowed_silently(api, capsys, tmp_path):
    (tmp_path / "openai_costs.parquet").write_bytes(b"PAR1")
    code, _, err = extract(capsys, "openai", "--since", "2026-09-01", "--until", "2026-09-01", "--out", str(tmp_path))
    assert code == 1 and "openai_costs.parquet would be read instead" in err and api.requests == []
