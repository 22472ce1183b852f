"""Benchmark token_ledger against the engine's lower bound (issue 6, PERFORMANCE.md).

For each size (landing span rows), on ONE generated data set and in ONE run:

(a)  ``dbt run --full-refresh`` on the landing files as they stood at the end of day N (models only;
     ``dbt seed`` before it and ``dbt test`` after it are timed separately);
(b)  one more day of data arrives (day N+1 spans, its CDC versions, the bill of day N-1), and
     ``dbt run`` runs WITHOUT ``--full-refresh`` (then ``dbt test``, timed separately): the incremental
     models reprocess their ``lookback_days`` window, the others are rebuilt;
(c)  ONE hand-written DuckDB query (``benchmarks/hand_query.sql``) over the same day-N landing files that
     computes ``mart_cost_per_outcome`` directly: the lower bound (run three times, spread over the run;
     the median is quoted). Its answer is checked cell by cell against ``marts.mart_cost_per_outcome``
     after (a) (counts exact, money to 1e-6); the run fails loudly if it differs. The same query on the
     day N+1 files checks the mart after (b).

It prints the ratios (a)/(c) and (b)/(a), span rows per second, and peak memory (RSS of the dbt
process tree and of the process running the query), and writes ``benchmarks/RESULTS.md``.

Data: ``data/bench/spans-<size>/generated`` is the generator's output for days 1..N+1 (``--start
2026-08-04 --weeks 12``: day N+1 is Monday 2026-10-26, a full working day); ``base`` is the same files cut
at the end of day N. dbt reads ``landing``, a symlink switched from ``base`` to ``generated``.
Warehouse and dbt artifacts: ``target/bench/spans-<size>/``.

Usage::

    token-ledger bench [--sizes 1m,10m] [--quick] [--regenerate] [--ref HEAD]

The parts: ``settings`` (window, mart columns, paths), ``measure`` (timing and memory of a process
tree), ``datasets`` (generate, cut, point), ``dbt`` (measured dbt invocations), ``hand_query`` (c) and
its check, ``profile`` (diagnosis), ``results`` (summary and RESULTS.md), ``run`` (the whole run).
"""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """``token-ledger bench`` (see token_ledger.cli for the arguments)."""
    from token_ledger.bench.run import run as run_bench

    return run_bench(args)
