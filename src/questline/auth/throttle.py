"""Counting requests in moving windows with the ``limits`` library: in memory when the
server runs alone, in Redis when several processes must share the count."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import limits
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from questline.errors import QuestlineError


class TooManyRequests(QuestlineError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, limit: int | None = None) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}
        if limit is not None:
            self.headers |= {
                "RateLimit-Limit": str(limit),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(retry_after),
            }


def parse_limit(text: str) -> limits.RateLimitItem:
    """``600/minute`` or ``10 per 15 minutes``; ValueError if it is neither."""
    return limits.parse(text)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


class Throttle:
    def __init__(self, redis_url: str | None = None) -> None:
        self.storage: Storage = (
            RedisStorage(redis_url, key_prefix="questline:limits") if redis_url else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.in_process = isinstance(self.storage, MemoryStorage)

    def hit(self, limit: limits.RateLimitItem, *key: str) -> Verdict:
        """Count one request against ``limit`` for ``key``."""
        allowed = self.limiter.hit(limit, *key)
        return self._verdict(limit, allowed, *key)

    def check(self, limit: limits.RateLimitItem, *key: str) -> Verdict:
        """Would one more request be allowed? (counts nothing)"""
        return self._verdict(limit, self.limiter.test(limit, *key), *key)

    def _verdict(self, limit: limits.RateLimitItem, allowed: bool, *key: str) -> Verdict:
        stats = self.limiter.get_window_stats(limit, *key)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, limit.amount, max(0, stats.remaining), reset)
