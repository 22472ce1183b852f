"""HTTP for the providers' Admin APIs: httpx makes the requests, tenacity retries them.

429 and 5xx answers (and connection errors, timeouts) are retried with exponential backoff, or after the
server's ``retry-after`` when it sends one; when the attempts run out the error is one line naming the
endpoint and the day. 401/403 is one line naming the key's environment variable and the permission it
needs. The key is sent in a header only; every message passes through :func:`Redactor` first, so the
key never reaches the terminal or a log even if a server echoed it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import tenacity

log = logging.getLogger("token_ledger.extract")


class ExtractError(Exception):
    """A pull that cannot go on; its text is the one line the user sees."""


class AuthError(ExtractError):
    """The API refused the key (401/403)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6  # tries in all, the first one included
    initial_seconds: float = 1.0  # first backoff when the server names no retry-after; doubles each time
    max_seconds: float = 60.0  # no single wait is longer, retry-after included


DEFAULT_RETRY = RetryPolicy()


class Redactor:
    """Replaces the secret in any text with ``***``."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __call__(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


class _Retryable(Exception):
    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``retry-after`` as seconds: a number of seconds or an HTTP date (RFC 9110); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


@dataclass(frozen=True)
class Access:
    """Who the client is, for its messages: the provider's name, the key's variable, the permission it needs."""

    provider: str
    key_env: str
    permission: str


class ApiClient:
    """GET requests to one provider's API, with retries; JSON numbers are read as Decimal (no float rounding)."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        access: Access,
        redact: Redactor,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
        self._access = access
        self._redact = redact
        self._retry = retry or DEFAULT_RETRY
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=self._retry.initial_seconds, max=self._retry.max_seconds, jitter=self._retry.initial_seconds
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any], day: str) -> dict[str, Any]:
        """One GET, retried; ``day`` names what it was for in messages."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            stop=tenacity.stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            before_sleep=lambda state: self._log_retry(state, path, day),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(path, params)
        except _Retryable as error:
            raise ExtractError(
                self._redact(
                    f"GET {path} for {day}: {error.detail}, still failing after {self._retry.attempts} attempts"
                )
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(self, path: str, params: dict[str, Any], day: Callable[[], str]) -> Iterator[dict[str, Any]]:
        """Every page of a paginated list: ``page`` = the previous ``next_page`` until ``has_more`` is false."""
        cursor: str | None = None
        while True:
            body = self.get(path, {**params, "page": cursor} if cursor else params, day())
            yield body
            if not body.get("has_more"):
                return
            cursor = body.get("next_page")
            if not cursor:
                raise ExtractError(f"GET {path} for {day()}: has_more without a next_page")

    def _once(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.get(path, params=params)
        except httpx.TransportError as error:
            raise _Retryable(self._redact(f"{type(error).__name__}: {error}")) from None
        status = response.status_code
        if status in (401, 403):
            raise AuthError(
                f"the {self._access.provider} API refused the key in {self._access.key_env} "
                f"(HTTP {status} on GET {path}): it must be {self._access.permission}"
            )
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", retry_after_seconds(response.headers.get("retry-after")))
        if status >= 400:
            detail = " ".join(response.text.split())[:200]
            raise ExtractError(self._redact(f"GET {path}: HTTP {status}: {detail}"))
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise ExtractError(f"GET {path}: the answer is not JSON") from None
        if not isinstance(body, dict):
            raise ExtractError(f"GET {path}: the answer is not a JSON object")
        return body

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, self._retry.max_seconds)
        return self._backoff(state)

    def _log_retry(self, state: tenacity.RetryCallState, path: str, day: str) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            self._redact(
                f"GET {path} for {day}: {error}; retry {state.attempt_number} of "
                f"{self._retry.attempts - 1} in {wait:.1f} s"
            )
        )
