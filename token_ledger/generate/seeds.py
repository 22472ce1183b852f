"""The reference seeds the generator must agree with (prices, aliases, owners, FX)."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from token_ledger.generate.plans import HIDDEN_PRICES, UNKNOWN_SERVICE


@dataclass
class Seeds:
    """The reference seeds the generator must agree with (prices, aliases, owners, FX)."""

    prices: dict = field(default_factory=dict)  # (provider, model, token_type) -> [(from, to, usd)]
    tiers: dict = field(default_factory=dict)  # (provider, model) -> tier
    aliases: dict = field(default_factory=lambda: defaultdict(list))  # (provider, model) -> [alias]
    services: dict = field(default_factory=dict)
    accounts: list = field(default_factory=list)
    fx: dict = field(default_factory=lambda: defaultdict(list))
    steps: dict = field(default_factory=dict)
    price_changes: list = field(default_factory=list)

    @classmethod
    def load(cls, seeds_dir: Path) -> Seeds:
        def rows(name):
            with open(seeds_dir / f"{name}.csv", newline="", encoding="utf-8") as fh:
                return list(csv.DictReader(fh))

        seeds = cls()
        for r in rows("model_prices"):
            start = dt.date.fromisoformat(r["effective_from"])
            end = dt.date.fromisoformat(r["effective_to"]) if r["effective_to"] else None
            key = (r["provider"], r["model"], r["token_type"])
            seeds.prices.setdefault(key, []).append((start, end, Decimal(r["usd_per_million_tokens"])))
            seeds.tiers[(r["provider"], r["model"])] = r["model_tier"]
            if end is not None:
                seeds.price_changes.append(
                    {
                        "provider": r["provider"],
                        "model": r["model"],
                        "token_type": r["token_type"],
                        "date": end.isoformat(),
                    }
                )
        for r in rows("model_aliases"):
            seeds.aliases[(r["provider"], r["model"])].append(r["alias"])
        seeds.services = {r["service_name"]: r["team_id"] for r in rows("services")}
        seeds.accounts = rows("billing_accounts")
        for r in rows("fx_rates"):
            seeds.fx[r["currency"]].append((dt.date.fromisoformat(r["rate_date"]), Decimal(r["usd_per_unit"])))
        for rates in seeds.fx.values():
            rates.sort()
        seeds.steps = {(r["workflow_name"], r["step_name"]): r["min_model_tier"] for r in rows("workflow_steps")}
        if UNKNOWN_SERVICE in seeds.services:
            sys.exit(f"seeds/services.csv must not list {UNKNOWN_SERVICE} (planted unknown)")
        return seeds

    def price(self, provider: str, model: str, token_type: str, day: dt.date) -> Decimal | None:
        """List price in force on a day (effective_from inclusive, effective_to exclusive)."""
        hidden = HIDDEN_PRICES.get((provider, model))
        if hidden is not None:
            return hidden.get(token_type)
        for start, end, usd in self.prices.get((provider, model, token_type), ()):
            if start <= day and (end is None or day < end):
                return usd
        return None

    def usd_per_unit(self, currency: str, day: dt.date) -> Decimal:
        """Latest rate on or before the day (the first one if the day precedes them all)."""
        if currency == "USD":
            return Decimal(1)
        rates = self.fx[currency]
        chosen = rates[0][1]
        for rate_date, rate in rates:
            if rate_date > day:
                break
            chosen = rate
        return chosen

    def account(self, provider: str, team: str) -> tuple[str, str]:
        """The (billing account, project/workspace) a team's calls bill to on a provider."""
        rows = [r for r in self.accounts if r["provider"] == provider]
        if not rows:
            sys.exit(f"seeds/billing_accounts.csv has no row for provider {provider}")
        for r in rows:
            if r["team_id"] == team and r["project_id"]:
                return r["billing_account_id"], r["project_id"]
        for r in rows:
            if r["team_id"] == team:
                return r["billing_account_id"], ""
        return rows[0]["billing_account_id"], ""

    def account_id(self, provider: str) -> str:
        """The provider's billing account (the demo has one per provider)."""
        return self.account(provider, "")[0]

    def owner(self, provider: str, account: str, project: str) -> str:
        """Team owning a billing line (project row first, then the account row)."""
        for r in self.accounts:
            if (r["provider"], r["billing_account_id"], r["project_id"]) == (
                provider,
                account,
                project,
            ):
                return r["team_id"]
        for r in self.accounts:
            if (r["provider"], r["billing_account_id"], r["project_id"]) == (
                provider,
                account,
                "",
            ):
                return r["team_id"]
        return "unassigned"
