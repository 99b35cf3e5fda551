"""When to try a request again, and how long to wait first: exponential back-off with
full jitter, or exactly what the server asked for in ``Retry-After``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx


@dataclass(frozen=True)
class RetryPolicy:
    """How the client retries.

    A request is retried on a connection error or an answer whose status is in
    ``statuses`` (429 and 503 by default), at most ``attempts`` times in all. Before
    retry ``n`` it waits what the answer's ``Retry-After`` says (capped at
    ``max_retry_after``; a longer wait raises the error instead), else a random time
    between 0 and ``min(max_backoff, backoff * 2**(n-1))`` seconds. Events carry
    idempotency keys, so a retried send never counts twice.
    """

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts is at least 1")

    def delay(self, retry: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (1 for the first), or None if
        the request should not be retried."""
        if retry >= self.attempts:
            return None
        if response is not None:
            if response.status_code not in self.statuses:
                return None
            asked = retry_after_seconds(response.headers.get("retry-after"))
            if asked is not None:
                return asked if asked <= self.max_retry_after else None
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return random.uniform(0, ceiling)


NO_RETRIES = RetryPolicy(attempts=1)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds, or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
