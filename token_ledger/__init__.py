"""token_ledger's Python side: the demo generator, the warehouse loader, the CFO report, the benchmark
driver and the provider extractors, behind one command, ``token-ledger`` (token_ledger.cli)."""

__version__ = "0.1.0"
