"""``token-ledger extract openai|anthropic``: the providers' Admin cost and usage APIs -> landing files.

    export OPENAI_ADMIN_KEY=sk-admin-...          # or ANTHROPIC_ADMIN_KEY=sk-ant-admin...
    token-ledger extract openai --since 2026-09-01 --out /path/to/landing
    token-ledger extract openai --out /path/to/landing        # later: from where the last pull ended

Keys come only from ``OPENAI_ADMIN_KEY`` / ``ANTHROPIC_ADMIN_KEY`` and are never printed or logged; the
API base from ``OPENAI_BASE_URL`` (with ``/v1``, as the openai SDK reads it) / ``ANTHROPIC_BASE_URL``
(without ``/v1``). The parts: ``providers`` (endpoints and their parameters), ``http`` (requests,
retries, pages), ``pull`` (days, organization id, merge), ``landing`` (files and state, atomic).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


def run(args: argparse.Namespace) -> int:
    """``token-ledger extract``: args.provider, out, since, until, organization_id, repull_days, no_progress,
    with_empty_tables."""
    from token_ledger.extract.http import AuthError, ExtractError, Redactor
    from token_ledger.extract.providers import PROVIDERS
    from token_ledger.extract.pull import pull

    provider = PROVIDERS[args.provider]
    prefix = f"token-ledger extract {provider.name}"
    key = os.environ.get(provider.key_env, "").strip()
    if not key:
        print(f"{prefix}: {provider.key_env} is not set: export {provider.permission}", file=sys.stderr)
        return EXIT_USAGE
    base_url = (os.environ.get(provider.base_env) or provider.default_base).rstrip("/")
    redact = Redactor(key)
    # retries are said on stderr (and reach any handler the caller has); httpx's request log stays off
    logger = logging.getLogger("token_ledger.extract")
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{prefix}: %(message)s"))
    logger.addHandler(handler)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return pull(provider, args, key, base_url)
    except AuthError as error:
        print(f"{prefix}: {redact(str(error))}", file=sys.stderr)
        return EXIT_REFUSED
    except ExtractError as error:
        print(f"{prefix}: {redact(str(error))}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - one redacted line, never a traceback that could hold the key
        if os.environ.get("TOKEN_LEDGER_DEBUG"):
            raise
        print(f"{prefix}: unexpected {type(error).__name__}: {redact(str(error))}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        logger.removeHandler(handler)
