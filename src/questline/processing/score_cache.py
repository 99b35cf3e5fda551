"""Computed scores, cached until one of the player's inputs changes.

The worker invalidates a player's entries after every batch that processed one of
their events (after commit); the TTL is only a safety net, for writers this process
does not hear about (a worker in another process, with the in-process cache). Entries
are keyed by config version too, so a new design never reads an old formula's value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any, Protocol

import orjson

from questline.settings import Settings

CacheKey = tuple[int, int, str, int]  # (app, player, score, config version)


class ScoreCache(Protocol):
    def get(self, key: CacheKey) -> dict[str, Any] | None: ...

    def put(self, key: CacheKey, value: dict[str, Any]) -> None: ...

    def invalidate(self, player_ids: Iterable[int]) -> None: ...

    def close(self) -> None: ...


class InProcessScoreCache:
    """For the embedded mode: a dict per player, bounded, with a TTL."""

    def __init__(self, ttl_seconds: float = 300.0, max_players: int = 100_000) -> None:
        self.ttl = ttl_seconds
        self.max_players = max_players
        self._entries: dict[int, dict[tuple[int, str, int], tuple[float, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> dict[str, Any] | None:
        app_id, player_id, score, version = key
        with self._lock:
            found = self._entries.get(player_id, {}).get((app_id, score, version))
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: CacheKey, value: dict[str, Any]) -> None:
        app_id, player_id, score, version = key
        with self._lock:
            if player_id not in self._entries and len(self._entries) >= self.max_players:
                self._entries.pop(next(iter(self._entries)))  # the oldest player entered
            self._entries.setdefault(player_id, {})[(app_id, score, version)] = (
                time.monotonic() + self.ttl,
                value,
            )

    def invalidate(self, player_ids: Iterable[int]) -> None:
        with self._lock:
            for player_id in player_ids:
                self._entries.pop(player_id, None)

    def close(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisScoreCache:
    """For the distributed mode: one Redis hash per player, so invalidating a player is
    one DEL whichever process wrote the entries."""

    def __init__(self, client: Any, ttl_seconds: float = 300.0, prefix: str = "ql:scores:") -> None:
        self.client = client
        self.ttl = max(int(ttl_seconds), 1)
        self.prefix = prefix

    def get(self, key: CacheKey) -> dict[str, Any] | None:
        app_id, player_id, score, version = key
        raw = self.client.hget(f"{self.prefix}{player_id}", f"{app_id}:{score}:{version}")
        if raw is None:
            return None
        value: dict[str, Any] = orjson.loads(raw)
        return value

    def put(self, key: CacheKey, value: dict[str, Any]) -> None:
        app_id, player_id, score, version = key
        name = f"{self.prefix}{player_id}"
        with self.client.pipeline() as pipe:
            pipe.hset(name, f"{app_id}:{score}:{version}", orjson.dumps(value))
            pipe.expire(name, self.ttl)
            pipe.execute()

    def invalidate(self, player_ids: Iterable[int]) -> None:
        names = [f"{self.prefix}{player_id}" for player_id in player_ids]
        if names:
            self.client.delete(*names)

    def close(self) -> None:
        self.client.close()


def build_score_cache(settings: Settings) -> ScoreCache:
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
        return RedisScoreCache(client, settings.score_cache_ttl_seconds)
    return InProcessScoreCache(settings.score_cache_ttl_seconds)
