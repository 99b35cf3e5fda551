"""Tests of the throwaway Redis server used by the distributed parts of the suite."""

from __future__ import annotations

import redis

from tests.support.redis import RedisServer


def test_redis_url_fixture_starts_empty(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set("questline:probe", "1")
        assert client.get("questline:probe") == b"1"
    finally:
        client.close()


def test_restart_keeps_the_port_and_flush_empties_it() -> None:
    with RedisServer() as server:
        url = server.url
        client = redis.Redis.from_url(url)
        try:
            client.set("kept", "yes")
            server.restart()
            # Without persistence a restart loses everything, like a crashed cache.
            assert client.get("kept") is None
            client.set("again", "1")
            server.restart(flush=True)
            assert server.url == url
            assert client.dbsize() == 0
        finally:
            client.close()
    assert not server.running
