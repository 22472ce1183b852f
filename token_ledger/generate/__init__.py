"""Generate deterministic demo landing data for token_ledger (``token-ledger generate``).

The project reads raw landing tables (see the landing contract) and reference seeds. The generator
writes one file per raw table into ``--out``, telling one consistent story: three agent workflows
(ticket triage, claim adjudication, contract review) run on work items; their OpenTelemetry spans,
the provider bills for the same tokens, the invoices, and the outcome systems' change data all
agree with each other and with the seeds in ``seeds/``. A handful of known defects and anomalies
are planted on purpose, and ``_expected.json`` lists exactly what was planted so tests can check
that the project finds it.

Design constraints that explain the shape of the code:

* Determinism: every random choice comes from ``random.Random`` streams seeded from ``--seed``;
  same seed and arguments give byte-identical files. The parts below share those streams through
  one ``Generator`` object, so the order of the calls (and of the draws) is the order of ``run()``.
* Bounded memory: spans are generated one day at a time and written to Parquet in row groups, so
  ``--scale 300`` (about 10 M spans) runs in constant memory. Only small aggregates (tokens per
  billing key and day) are kept for the bills, which are written after the spans.
* Exact money: amounts are ``Decimal`` rounded per line to a fixed number of places, so invoice
  subtotals equal the sum of their lines exactly when read back as decimals.

The parts: ``plans`` (the story: workflows, models, outcome mix), ``seeds`` (the reference seeds it
agrees with), ``generator`` (the day loop), ``runs`` (work items and their spans), ``traffic``
(unlinked traffic, planted bad spans, delivery), ``outcomes`` (CDC versions), ``bills`` (OpenAI and
Anthropic exports), ``invoices`` (FOCUS rows and invoices), ``expected`` (``_expected.json``),
``writers`` (the files, with the contract's columns), ``payloads`` and ``util``.

Usage::

    token-ledger generate --out data/demo [--seed 42] [--scale 1.0]
        [--start 2026-08-03] [--weeks 12] [--spans-format parquet|csv]
"""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Write every landing table for ``args`` (out, seed, scale, start, weeks, spans_format, row_group_size)."""
    from token_ledger.generate.generator import Generator
    from token_ledger.generate.seeds import Seeds
    from token_ledger.paths import seeds_dir

    Generator(args, Seeds.load(seeds_dir())).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``token-ledger generate`` with these arguments."""
    from token_ledger.cli import main as cli_main

    return cli_main(["generate", *(argv or [])])
