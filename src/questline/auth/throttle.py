"""Counting requests in moving windows with the ``limits`` library: in memory when the
server runs alone, in Redis when several processes must share the count."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import limits
import limits.aio.storage
import limits.aio.strategies
import redis
import redis.asyncio
from limits.storage import RedisStorage
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
        self._windows: MemoryWindows | None = None
        self._limiter: MovingWindowRateLimiter | None = None
        if redis_url:
            storage = RedisStorage(redis_url, key_prefix=_KEY_PREFIX)
            self._limiter = MovingWindowRateLimiter(storage)
            self.attempts = RedisAttempts(redis.Redis.from_url(redis_url))
        else:
            self._windows = MemoryWindows()
            self.attempts = MemoryAttempts()
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
        if self._windows is not None:
            return self._windows.hit(limit, *key)
        assert self._limiter is not None
        allowed = self._limiter.hit(limit, *key)
        return _verdict_of(limit, allowed, self._limiter.get_window_stats(limit, *key))

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


class MemoryWindows:
    """Moving windows in this process's memory, counted as `limits`' moving window counts
    in Redis: a hit is allowed while fewer than ``limit.amount`` hits were allowed in the
    last ``limit`` period, and the window resets when its oldest hit leaves it.

    `limits`' own MemoryStorage starts a timer thread for every request that comes more
    than 10 ms after the last one, and that thread rescans every key; on a page that is
    most of the request's cost. Here a key's old hits are dropped when the key is counted,
    and keys nobody counted for a whole window are swept at most every few seconds, under
    the same lock (no I/O is done under it, so it is held for microseconds).
    """

    SWEEP_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[float, deque[float]]] = {}  # key -> (period, times)
        self._swept = time.monotonic()

    def hit(self, limit: limits.RateLimitItem, *key: str) -> Verdict:
        name = limit.key_for(*key)
        period = float(limit.get_expiry())
        now = time.time()
        with self._lock:
            window = self._hits.get(name)
            if window is None:
                window = self._hits[name] = (period, deque())
            times = window[1]
            while times and times[0] <= now - period:
                times.popleft()
            allowed = len(times) < limit.amount
            if allowed:
                times.append(now)
            held, oldest = len(times), times[0] if times else now
            self._sweep(now)
        reset = max(1, math.ceil(oldest + period - now))
        return Verdict(allowed, limit.amount, max(0, limit.amount - held), reset)

    def __len__(self) -> int:
        """How many keys are held: what a sweep keeps small."""
        return len(self._hits)

    def _sweep(self, now: float) -> None:
        if time.monotonic() - self._swept < self.SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        idle = [k for k, (period, t) in self._hits.items() if not t or t[-1] <= now - period]
        for k in idle:
            del self._hits[k]


def _verdict_of(limit: limits.RateLimitItem, allowed: bool, stats: limits.WindowStats) -> Verdict:
    reset = max(1, math.ceil(stats.reset_time - time.time()))
    return Verdict(allowed, limit.amount, max(0, stats.remaining), reset)
