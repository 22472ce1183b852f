"""One pull of a provider: which days, every endpoint over them, the merged landing files, the state.

Which days: ``--since`` .. ``--until`` (inclusive, UTC; ``--until`` defaults to today). Without
``--since``, the pull starts ``--repull-days`` (default 3) before the day after the last pull's end, so
the days whose bills were still settling are pulled again and replaced. The first pull into a
directory needs ``--since``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from token_ledger.contract import landing_tables
from token_ledger.extract.http import Access, ApiClient, ExtractError, Redactor
from token_ledger.extract.landing import (
    cell,
    landing_columns,
    merge,
    read_rows,
    read_state,
    write_rows_atomic,
    write_state,
)
from token_ledger.extract.providers import OPENAI, Endpoint, Provider, organization_from_api

ORGANIZATION = "organization_id"
EXTRACTED_AT = "extracted_at"


def pull_window(args: argparse.Namespace, last_pull: dict[str, Any], today: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) day to pull, both inclusive."""
    if args.repull_days < 0:
        raise ExtractError("--repull-days must be 0 or more")
    if args.since:
        first = args.since
    elif last_pull.get("pulled_through"):
        ended = dt.date.fromisoformat(last_pull["pulled_through"]) + dt.timedelta(days=1)
        first = ended - dt.timedelta(days=args.repull_days)
    else:
        raise ExtractError(f"no earlier pull in {args.out}: give --since for the first one")
    return first, args.until or today


def day_chunks(first: dt.date, last: dt.date, size: int) -> Iterator[tuple[dt.date, dt.date]]:
    """[start, end) ranges of at most ``size`` days covering first .. last."""
    start = first
    while start <= last:
        end = min(start + dt.timedelta(days=size), last + dt.timedelta(days=1))
        yield start, end
        start = end


def fetch(
    client: ApiClient,
    provider: Provider,
    endpoint: Endpoint,
    days: tuple[dt.date, dt.date],
    advance: Callable[[int], object],
) -> list[dict[str, Any]]:
    """Every result of one endpoint over the days, as flat rows; pages followed, a request per chunk of days."""
    first, last = days
    rows: list[dict[str, Any]] = []
    for start, end in day_chunks(first, last, endpoint.max_days):
        params = endpoint.params | provider.range_params(start, end) | {"limit": (end - start).days}
        expected = [start]  # the next day a page should bring: what an error is about
        for body in client.pages(endpoint.path, params, lambda: expected[0].isoformat()):
            buckets = body.get("data") or []
            for bucket in buckets:
                day = provider.day_of_value(bucket.get(provider.start_key))
                if day is None:
                    raise ExtractError(f"GET {endpoint.path}: a bucket without a readable {provider.start_key}")
                if first <= day <= last:
                    rows += provider.rows(bucket)
                expected[0] = max(expected[0], day + dt.timedelta(days=1))
            advance(len(buckets))
    return rows


def resolve_organization(
    provider: Provider, args: argparse.Namespace, client: ApiClient, pulled: dict[str, list[dict[str, Any]]]
) -> str | None:
    """--organization-id, else what the API says (OpenAI: the cost results; Anthropic: /organizations/me)."""
    if args.organization_id:
        return args.organization_id
    rows = pulled.get("openai_costs", []) if provider is OPENAI else []
    if provider is OPENAI and not rows:
        return None
    return organization_from_api(provider, client, rows)


def stamp(
    provider: Provider,
    pulled: dict[str, list[dict[str, Any]]],
    organization: str | None,
    override: bool,
    extracted_at: str,
) -> None:
    """Every row gets the organization id (--organization-id wins over a result's own) and the time of the pull."""
    for table, rows in pulled.items():
        declares_organization = ORGANIZATION in landing_columns(table)
        for row in rows:
            if organization and (override or not row.get(ORGANIZATION)):
                row[ORGANIZATION] = organization
            if declares_organization and not row.get(ORGANIZATION):
                raise ExtractError(f"the {table} results carry no organization id: pass --organization-id")
            row[EXTRACTED_AT] = extracted_at


def write_empty_tables(out: Path) -> list[str]:
    """A header-only CSV for every landing table the directory has no file of (--with-empty-tables)."""
    written = []
    for table in landing_tables():
        if not any((out / f"{table.identifier}{suffix}").exists() for suffix in (".csv", ".parquet")):
            write_rows_atomic(out / f"{table.identifier}.csv", table.names, [])
            written.append(table.identifier)
    return written


def pull(provider: Provider, args: argparse.Namespace, key: str, base_url: str) -> int:
    out: Path = args.out
    for endpoint in provider.endpoints:
        if (out / f"{endpoint.table}.parquet").exists():
            raise ExtractError(
                f"{out / endpoint.table}.parquet would be read instead of the {endpoint.table}.csv this writes: "
                "move it away"
            )
    last_pull = read_state(out).get(provider.name, {})
    now = dt.datetime.now(dt.UTC)
    first, last = pull_window(args, last_pull, now.date())
    if first > last:
        print(f"{provider.name}: nothing to pull ({first} is after {last})")
        return 0
    extracted_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    days = (last - first).days + 1
    show = not args.no_progress and sys.stderr.isatty()
    access = Access(provider.name, provider.key_env, provider.permission)
    with ExitStack() as stack:
        client = stack.enter_context(ApiClient(base_url, provider.headers(key), access, Redactor(key)))
        if show:
            stack.enter_context(logging_redirect_tqdm())
        bar = stack.enter_context(
            tqdm(total=days * len(provider.endpoints), unit="day", desc=provider.name, disable=not show, leave=False)
        )
        pulled = {
            endpoint.table: fetch(client, provider, endpoint, (first, last), bar.update)
            for endpoint in provider.endpoints
        }
        organization = resolve_organization(provider, args, client, pulled) or last_pull.get(ORGANIZATION)
    stamp(provider, pulled, organization, bool(args.organization_id), extracted_at)

    for table, rows in pulled.items():
        path = out / f"{table}.csv"
        columns = landing_columns(table)
        earlier = read_rows(path)
        landing_rows = [{column: cell(row.get(column)) for column in columns} for row in rows]
        merged, replaced = merge(earlier, landing_rows, (first, last), provider.day_of)
        total = write_rows_atomic(path, columns, merged)
        print(
            f"{table}: {len(rows)} rows for {first} .. {last} ({replaced} earlier rows of those days replaced); "
            f"{path} holds {total}"
        )
    if args.with_empty_tables:
        for table in write_empty_tables(out):
            print(f"{table}: no file in {out}, wrote its header only")
    # a back-fill of older days does not move back where the pulls have reached
    through = max(last, dt.date.fromisoformat(last_pull.get("pulled_through") or last.isoformat()))
    write_state(
        out,
        provider.name,
        {
            "pulled_from": first.isoformat(),
            "pulled_through": through.isoformat(),
            "extracted_at": extracted_at,
            ORGANIZATION: organization,
            "base_url": base_url,
        },
    )
    return 0
