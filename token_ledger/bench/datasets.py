"""The generated data sets: day N+1 generated once, cut back to day N; dbt reads a switched symlink."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from token_ledger import landing_cut
from token_ledger.bench.measure import log
from token_ledger.bench.settings import BILL_LAG_DAYS, REPO_ROOT, SEED, START, WEEKS, cutoff, new_day

# ------------------------------------------------------------------------------------- the data sets


@dataclass
class DataSet:
    label: str
    target_spans: int
    scale: float
    root: Path  # data/bench/spans-<label>
    weeks: int = WEEKS  # the history the spans cover: days START .. day N+1
    generated_seconds: float | None = None
    cut_seconds: float | None = None
    facts: dict = field(default_factory=dict)

    @property
    def new_day(self) -> dt.date:
        """Day N+1: a longer history ends later (every size starts on START)."""
        return new_day(self.weeks)

    @property
    def cutoff(self) -> dt.datetime:
        return cutoff(self.weeks)

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    @property
    def base(self) -> Path:
        return self.root / "base"

    @property
    def landing(self) -> Path:
        return self.root / "landing"


def generator_matches(directory: Path, scale: float, end: dt.date) -> bool:
    expected = directory / "_expected.json"
    if not expected.exists() or not (directory / "otel_spans.parquet").exists():
        return False
    facts = json.loads(expected.read_text())
    return (
        facts.get("seed") == SEED
        and math.isclose(float(facts.get("scale", -1)), scale)
        and facts.get("window", {}).get("start") == START.isoformat()
        and facts.get("window", {}).get("end") == end.isoformat()
    )


def generate(ds: DataSet, regenerate: bool) -> None:
    if not regenerate and generator_matches(ds.generated, ds.scale, ds.new_day):
        log(f"{ds.label}: reusing {ds.generated.relative_to(REPO_ROOT)}")
    else:
        shutil.rmtree(ds.generated, ignore_errors=True)
        shutil.rmtree(ds.base, ignore_errors=True)
        log(f"{ds.label}: generating --scale {ds.scale} (days {START} .. {ds.new_day}, {ds.weeks} weeks) ...")
        cmd = [
            sys.executable,
            "-m",
            "token_ledger",
            "generate",
            "--out",
            str(ds.generated),
            "--seed",
            str(SEED),
            "--scale",
            str(ds.scale),
            "--start",
            START.isoformat(),
            "--weeks",
            str(ds.weeks),
        ]
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        ds.generated_seconds = time.perf_counter() - t
    marker = ds.base / "_cut.json"
    if regenerate or not marker.exists() or json.loads(marker.read_text()).get("cutoff") != ds.cutoff.isoformat():
        t = time.perf_counter()
        cut_landing(ds)
        ds.cut_seconds = time.perf_counter() - t
    point_landing(ds, ds.base)


def cut_landing(ds: DataSet) -> None:
    """The landing files as they stood at the end of day N: spans that had ended and CDC versions
    written before midnight, bills through day N-2 (the bill lags two days); invoices as generated."""
    source, target = ds.generated, ds.base
    log(f"cutting {source.relative_to(REPO_ROOT)} at {ds.cutoff.isoformat()} -> {target.relative_to(REPO_ROOT)}")
    landing_cut.cut_landing(source, target, ds.cutoff, ds.new_day - dt.timedelta(days=BILL_LAG_DAYS + 1))


def point_landing(ds: DataSet, directory: Path) -> None:
    """dbt always reads <root>/landing (same vars -> partial parsing survives); switch what it points at."""
    tmp = ds.root / "landing.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(directory.name)
    os.replace(tmp, ds.landing)


def landing_facts(directory: Path) -> dict:
    import pyarrow.parquet as pq

    spans = directory / "otel_spans.parquet"
    meta = pq.ParquetFile(spans).metadata
    return {
        "span_rows": meta.num_rows,
        "spans_file_bytes": spans.stat().st_size,
        "landing_bytes": sum(p.stat().st_size for p in directory.iterdir() if p.is_file()),
    }
