"""The two providers' Admin APIs: endpoints, query parameters, headers, and where the organization id is.

Each endpoint's results are flattened (``amount.value`` -> ``amount_value``, ``cache_creation.
ephemeral_5m_input_tokens`` -> ``cache_creation_ephemeral_5m_input_tokens``) and given their bucket's
start and end; the landing file keeps exactly the columns the sources YAML declares for the table, so no
column list is spelled here.

- OpenAI (``OPENAI_BASE_URL``, with ``/v1``): ``GET /organization/costs`` grouped by project and line item
  -> ``openai_costs``; ``GET /organization/usage/completions`` grouped by project, model, batch and
  service tier -> ``openai_usage``. Buckets in Unix seconds; ``Authorization: Bearer``.
- Anthropic (``ANTHROPIC_BASE_URL``, without ``/v1``): ``GET /v1/organizations/cost_report`` grouped by
  workspace and description -> ``anthropic_costs`` (amounts in cents, as given); ``GET
  /v1/organizations/usage_report/messages`` grouped by workspace, model and service tier ->
  ``anthropic_usage``. Buckets as RFC 3339 timestamps; ``x-api-key`` and ``anthropic-version``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from token_ledger.extract.http import ApiClient


def day_epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def day_iso(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def epoch_day(value: Any) -> dt.date | None:
    try:
        return dt.datetime.fromtimestamp(int(str(value)), dt.UTC).date()
    except (ValueError, OverflowError, OSError):
        return None


def iso_day(value: Any) -> dt.date | None:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def flatten(result: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects joined with ``_``: ``{"amount": {"value": 1}}`` -> ``{"amount_value": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in result.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Endpoint:
    table: str  # the landing table it fills
    path: str
    params: dict[str, Any]  # grouping and bucket width
    max_days: int  # daily buckets one request may ask for (the API's maximum `limit`)


@dataclass(frozen=True)
class Provider:
    name: str
    key_env: str
    base_env: str
    default_base: str
    permission: str  # what a refused key must be, for the 401/403 message
    start_key: str  # bucket fields: start and end of the day
    end_key: str
    endpoints: tuple[Endpoint, ...]
    headers: Callable[[str], dict[str, str]]
    range_params: Callable[[dt.date, dt.date], dict[str, Any]]  # (first day, day after the last)
    day_of_value: Callable[[Any], dt.date | None]

    def rows(self, bucket: dict[str, Any]) -> list[dict[str, Any]]:
        """The results of one bucket as flat rows carrying the bucket's start and end."""
        times = {self.start_key: bucket.get(self.start_key), self.end_key: bucket.get(self.end_key)}
        return [flatten(result) | times for result in bucket.get("results") or []]

    def day_of(self, row: dict[str, Any]) -> dt.date | None:
        return self.day_of_value(row.get(self.start_key))


OPENAI = Provider(
    name="openai",
    key_env="OPENAI_ADMIN_KEY",
    base_env="OPENAI_BASE_URL",
    default_base="https://api.openai.com/v1",
    permission="an OpenAI admin key (sk-admin-..., Organization settings > Admin keys) of an organization owner",
    start_key="start_time",
    end_key="end_time",
    endpoints=(
        Endpoint(
            "openai_costs",
            "/organization/costs",
            {"bucket_width": "1d", "group_by": ["project_id", "line_item"]},
            max_days=180,
        ),
        Endpoint(
            "openai_usage",
            "/organization/usage/completions",
            {"bucket_width": "1d", "group_by": ["project_id", "model", "batch", "service_tier"]},
            max_days=31,
        ),
    ),
    headers=lambda key: {"Authorization": f"Bearer {key}"},
    range_params=lambda first, end: {"start_time": day_epoch(first), "end_time": day_epoch(end)},
    day_of_value=epoch_day,
)

ANTHROPIC = Provider(
    name="anthropic",
    key_env="ANTHROPIC_ADMIN_KEY",
    base_env="ANTHROPIC_BASE_URL",
    default_base="https://api.anthropic.com",
    permission="an Anthropic Admin API key (sk-ant-admin..., Console > Settings > Admin keys) of an organization admin",
    start_key="starting_at",
    end_key="ending_at",
    endpoints=(
        Endpoint(
            "anthropic_costs",
            "/v1/organizations/cost_report",
            {"bucket_width": "1d", "group_by[]": ["workspace_id", "description"]},
            max_days=31,
        ),
        Endpoint(
            "anthropic_usage",
            "/v1/organizations/usage_report/messages",
            {"bucket_width": "1d", "group_by[]": ["workspace_id", "model", "service_tier"]},
            max_days=31,
        ),
    ),
    headers=lambda key: {"x-api-key": key, "anthropic-version": "2023-06-01"},
    range_params=lambda first, end: {"starting_at": day_iso(first), "ending_at": day_iso(end)},
    day_of_value=iso_day,
)

PROVIDERS = {provider.name: provider for provider in (OPENAI, ANTHROPIC)}


def organization_from_api(provider: Provider, client: ApiClient, rows: list[dict[str, Any]]) -> str | None:
    """The organization id the API gives: OpenAI cost results may carry ``organization_id``; Anthropic
    answers ``GET /v1/organizations/me``."""
    if provider is OPENAI:
        found = sorted({str(row["organization_id"]) for row in rows if row.get("organization_id")})
        return found[0] if len(found) == 1 else None
    me = client.get("/v1/organizations/me", {}, "the organization")
    return str(me["id"]) if me.get("id") else None
