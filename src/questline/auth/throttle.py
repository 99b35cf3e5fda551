"""Counting requests in moving windows with the ``limits`` library: in memory when the
server runs alone, in Redis when several processes must share the count."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import limits
import limits.aio.storage
import limits.aio.strategies
import redis
import redis.asyncio
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from questline.auth.attempts import Attempts, MemoryAttempts, RedisAttempts
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


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


_KEY_PREFIX = "questline:limits"


class Throttle:
    def __init__(self, redis_url: str | None = None) -> None:
        self.redis_url = redis_url
        self.attempts: Attempts
        if redis_url:
            self.storage: Storage = RedisStorage(redis_url, key_prefix=_KEY_PREFIX)
            self.attempts = RedisAttempts(redis.Redis.from_url(redis_url))
        else:
            self.storage = MemoryStorage()
            self.attempts = MemoryAttempts()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.in_process = isinstance(self.storage, MemoryStorage)
        # limits' MemoryStorage is not safe across threads (two requests counted at once
        # could start its expiry timer twice: RuntimeError, a 500); its calls do no I/O,
        # so one lock around them costs microseconds. Redis needs none.
        self._counting: AbstractContextManager[Any] = (
            threading.Lock() if self.in_process else nullcontext()
        )
        # With Redis, a server's event loop counts through an asyncio client of its own
        # (same keys, so the counts are shared), made on first use in that loop.
        self._async: (
            tuple[
                asyncio.AbstractEventLoop,
                redis.asyncio.ConnectionPool,
                limits.aio.strategies.MovingWindowRateLimiter,
            ]
            | None
        ) = None

    def hit(self, limit: limits.RateLimitItem, *key: str) -> Verdict:
        """Count one request against ``limit`` for ``key``."""
        with self._counting:
            allowed = self.limiter.hit(limit, *key)
            return self._verdict(limit, allowed, *key)

    async def hit_async(self, limit: limits.RateLimitItem, *key: str) -> Verdict:
        """`hit` on an event loop, without blocking it."""
        if self.redis_url is None:
            return self.hit(limit, *key)  # in memory: no I/O
        limiter = self._async_limiter(self.redis_url)
        allowed = await limiter.hit(limit, *key)
        stats = await limiter.get_window_stats(limit, *key)
        return _verdict_of(limit, allowed, stats)

    def _async_limiter(self, url: str) -> limits.aio.strategies.MovingWindowRateLimiter:
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            pool = redis.asyncio.ConnectionPool.from_url(url)
            options: dict[str, Any] = {"connection_pool": pool}  # typed as str by limits
            storage = limits.aio.storage.RedisStorage(
                "async+" + url, implementation="redispy", key_prefix=_KEY_PREFIX, **options
            )
            self._async = (loop, pool, limits.aio.strategies.MovingWindowRateLimiter(storage))
        return self._async[2]

    async def aclose(self) -> None:
        """On the event loop that counted: let go of its connections."""
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            await self._async[1].disconnect()
        self._async = None

    def _verdict(self, limit: limits.RateLimitItem, allowed: bool, *key: str) -> Verdict:
        return _verdict_of(limit, allowed, self.limiter.get_window_stats(limit, *key))


def _verdict_of(limit: limits.RateLimitItem, allowed: bool, stats: limits.WindowStats) -> Verdict:
    reset = max(1, math.ceil(stats.reset_time - time.time()))
    return Verdict(allowed, limit.amount, max(0, stats.remaining), reset)
