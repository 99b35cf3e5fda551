"""The score cache: in process for the embedded mode, Redis (a real server) otherwise."""

from __future__ import annotations

import time

import redis
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.processing.score_cache import InProcessScoreCache, RedisScoreCache, ScoreCache
from tests.integration.conftest import Api, make_settings

ENTRY = {"value": 3, "tier": "green", "computed_at": "2026-05-04T12:00:00Z"}


def _caches(redis_url: str) -> list[ScoreCache]:
    return [
        InProcessScoreCache(ttl_seconds=60),
        RedisScoreCache(redis.Redis.from_url(redis_url), 60),
    ]


def test_entries_are_kept_per_player_score_and_version_until_invalidated(redis_url: str) -> None:
    for cache in _caches(redis_url):
        cache.put((1, 10, "rep", 1), ENTRY)
        cache.put((1, 11, "rep", 1), {**ENTRY, "value": 4})
        assert cache.get((1, 10, "rep", 1)) == ENTRY
        assert cache.get((1, 10, "rep", 2)) is None  # another design version
        cache.invalidate([10])
        assert cache.get((1, 10, "rep", 1)) is None
        assert cache.get((1, 11, "rep", 1)) == {**ENTRY, "value": 4}
        cache.close()


def test_entries_expire_after_the_ttl(redis_url: str) -> None:
    local = InProcessScoreCache(ttl_seconds=0.05)
    local.put((1, 10, "rep", 1), ENTRY)
    time.sleep(0.1)
    assert local.get((1, 10, "rep", 1)) is None
    client = redis.Redis.from_url(redis_url)
    RedisScoreCache(client, ttl_seconds=30).put((1, 10, "rep", 1), ENTRY)
    assert 0 < client.ttl("ql:scores:10") <= 30
    client.close()


def test_a_server_with_redis_serves_and_invalidates_scores_there(
    database_url: str, redis_url: str
) -> None:
    settings = make_settings(database_url, redis_url=redis_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client)
        api.publish("metrics: {done: {count: done}}\nscores: {s: {formula: 'metric.done'}}\n")
        api.post("/v1/events", params={"wait": "true"}, json={"type": "done", "player": "ann"})
        assert api.get("/v1/players/ann/scores/s", expect=200).json()["value"] == 1
        watcher = redis.Redis.from_url(redis_url)
        assert len(watcher.keys("ql:scores:*")) == 1
        api.post("/v1/events", params={"wait": "true"}, json={"type": "done", "player": "ann"})
        assert watcher.keys("ql:scores:*") == []
        assert api.get("/v1/players/ann/scores/s", expect=200).json()["value"] == 2
        watcher.close()
