"""Failed sign-ins counted so that concurrent guesses cannot slip past the limit.

Checking a count, verifying the password and counting the failure afterwards lets every
guess that arrives at once pass the check before any is counted (40 concurrent wrong
passwords were all verified against a limit of 10). Here an attempt takes its place in
the window atomically *before* the password is verified, and gives it back if the
password was right: the limit stays one of failed sign-ins, and no more than that many
guesses are ever verified in a window.

Places are held in process memory, or in Redis (one sorted set per key, scored by when
each place expires) so that every server shares them.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import limits
import redis

_KEY_PREFIX = "questline:attempts:"
_SWEEP_AT = 10_000  # keys held in memory before expired ones are swept out


@dataclass(frozen=True)
class Place:
    """A place taken in one key's window."""

    key: str
    token: str


@dataclass(frozen=True)
class Refused:
    """The window is full; a place frees up in ``retry_after`` seconds."""

    retry_after: int


class Attempts(Protocol):
    def take(self, limit: limits.RateLimitItem, *key: str) -> Place | Refused:
        """Take a place in ``key``'s window of ``limit``, or learn when one frees up."""

    def give_back(self, place: Place) -> None:
        """Free a place taken by an attempt that succeeded."""


class MemoryAttempts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, dict[str, float]] = {}  # key -> token -> expires at

    def take(self, limit: limits.RateLimitItem, *key: str) -> Place | Refused:
        name = "/".join(key)
        now = time.time()
        with self._lock:
            if len(self._windows) > _SWEEP_AT:
                self._sweep(now)
            window = self._windows.setdefault(name, {})
            for token in [token for token, expires in window.items() if expires <= now]:
                del window[token]
            if len(window) >= limit.amount:
                return Refused(_seconds(min(window.values(), default=now) - now))
            token = secrets.token_hex(8)
            window[token] = now + limit.get_expiry()
        return Place(name, token)

    def give_back(self, place: Place) -> None:
        with self._lock:
            window = self._windows.get(place.key)
            if window is not None:
                window.pop(place.token, None)
                if not window:
                    del self._windows[place.key]

    def _sweep(self, now: float) -> None:
        for name in list(self._windows):
            window = self._windows[name]
            if all(expires <= now for expires in window.values()):
                del self._windows[name]


# Scores are the times places expire, on Redis's own clock, so that servers whose clocks
# differ still agree. Returns {1, token} for a place taken, {0, seconds} for a refusal.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local amount, expiry = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= amount then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local wait = now
    if first[2] then wait = tonumber(first[2]) end
    return {0, tostring(wait - now)}
end
redis.call('ZADD', KEYS[1], now + expiry, ARGV[3])
redis.call('EXPIRE', KEYS[1], expiry + 1)
return {1, ARGV[3]}
"""


class RedisAttempts:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._take = client.register_script(_TAKE)

    def take(self, limit: limits.RateLimitItem, *key: str) -> Place | Refused:
        name = _KEY_PREFIX + "/".join(key)
        token = secrets.token_hex(8)
        taken, value = self._take(keys=[name], args=[limit.amount, limit.get_expiry(), token])
        if taken:
            return Place(name, token)
        return Refused(_seconds(float(value)))

    def give_back(self, place: Place) -> None:
        self.client.zrem(place.key, place.token)


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
