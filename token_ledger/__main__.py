"""``python -m token_ledger`` is ``token-ledger``."""

from token_ledger.cli import entry_point

entry_point()
