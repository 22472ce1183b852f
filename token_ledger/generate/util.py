"""Small helpers shared by the generator's parts: time, money, weighted choice, SKU ids."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
from decimal import ROUND_HALF_EVEN, Decimal

UTC = dt.UTC
NS = 1_000_000_000
MILLION = Decimal(1_000_000)
TOKEN_TYPES = ("input", "cached_input", "cache_write", "output")
TIER_RANK = {"small": 0, "mid": 1, "frontier": 2}


def day_epoch(day: dt.date) -> int:
    """Unix seconds of a UTC midnight."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def iso_day(day: dt.date) -> str:
    """A UTC midnight as the providers' APIs write it."""
    return f"{day.isoformat()}T00:00:00Z"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def money(value: Decimal, places: int) -> Decimal:
    """Round one billing line; lines are rounded first, then summed, so sums are exact."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def fmt_money(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def fmt_ts(seconds: float, style: str, millis: bool = False) -> str:
    """Outcome-system timestamp: mostly UTC with Z, some with a +02:00 offset, some naive (UTC)."""
    shift = 7200 if style == "+02:00" else 0
    moment = dt.datetime.fromtimestamp(seconds + shift, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{moment.microsecond // 1000:03d}"
    if style == "Z":
        return text + "Z"
    if style == "+02:00":
        return text + "+02:00"
    return text


def weighted(rng: random.Random, options: list[tuple]) -> tuple:
    """Pick one option; the first element of each is its weight."""
    total = sum(o[0] for o in options)
    x = rng.random() * total
    for option in options:
        x -= option[0]
        if x < 0:
            return option
    return options[-1]


def sku_id(*parts: str) -> str:
    digest = hashlib.sha1("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:16]
