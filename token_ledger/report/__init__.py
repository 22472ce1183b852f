"""Write the CFO report: one self-contained HTML file drawn from the token_ledger marts.

    token-ledger report [--database target/token_ledger.duckdb] [--out target/report/token_ledger_report.html]

(``make report`` runs it on the demo warehouse.) The charts are Plotly figures; plotly.js is inlined
once in the page, so the file opens offline, from a mail attachment or a file share, with no network.
The report reads the marts only (the exposure ``cfo_report`` in models/exposures.yml lists them) and
rounds for display only. The page carries a JSON manifest (``#report-manifest``) naming every chart, so
the browser test (tests/pytest/test_report.py) can check that each one rendered.

The parts: ``data`` (the marts it reads), ``style`` (look and display rounding), ``charts_outcomes``
and ``charts_finance`` (one function per chart), ``page`` (headline, template, the file).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    """``token-ledger report``: args.database and args.out (None: the project's defaults)."""
    from token_ledger.paths import project_root
    from token_ledger.report.data import ReportError
    from token_ledger.report.page import write_report

    root = project_root()
    database = args.database or Path(os.environ.get("DBT_DUCKDB_PATH", root / "target" / "token_ledger.duckdb"))
    out = args.out or root / "target" / "report" / "token_ledger_report.html"
    try:
        path = write_report(database, out)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return 2
    print(f"report: wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0
