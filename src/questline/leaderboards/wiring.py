"""Choosing the leaderboard store: the database, or Redis when `redis_url` is set."""

from __future__ import annotations

from questline.leaderboards.redis import RedisLeaderboardStore, rebuild_if_incomplete
from questline.leaderboards.service import LeaderboardReader
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.store import LeaderboardStore
from questline.processing.worker import Worker
from questline.storage.database import Database


def build_leaderboards(
    database: Database,
    redis_url: str | None,
    worker: Worker | None = None,
    *,
    page_cache_seconds: float = 0.0,
) -> LeaderboardReader:
    """The reader for the API; with Redis, also make `worker` mirror scores to it."""
    archive = SqlLeaderboardStore(database)
    store: LeaderboardStore = archive
    if redis_url:
        store = RedisLeaderboardStore(redis_url, archive, page_cache_seconds=page_cache_seconds)
        if worker is not None:
            worker.leaderboards.mirror = store
    return LeaderboardReader(store, archive)


def prepare_leaderboards(reader: LeaderboardReader, database: Database) -> None:
    """At start-up: fill Redis from the database if it does not hold every board."""
    if isinstance(reader.store, RedisLeaderboardStore):
        rebuild_if_incomplete(reader.store, database)


def close_leaderboards(reader: LeaderboardReader) -> None:
    if isinstance(reader.store, RedisLeaderboardStore):
        reader.store.close()


async def close_leaderboard_reads(reader: LeaderboardReader) -> None:
    """On a server's event loop: close what reads opened there."""
    if isinstance(reader.store, RedisLeaderboardStore):
        await reader.store.aclose()
