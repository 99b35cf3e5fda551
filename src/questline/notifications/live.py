"""Live streams: each server process keeps its open streams in one hub, on its event loop.

The inbox is the source of truth and a stream is a cursor over it: a stream holds the
id of the last notification it was given, and is given the player's notifications
after it, in id order. Since every writer of a player's notifications holds the
player's lock until it commits, a player's ids become visible in increasing order: what
one read finds after the cursor has no gap before it, and a later read continues it. So
a client that resumes with the last id it saw (`Last-Event-ID`) misses nothing and gets
nothing twice.

Wake-ups only say *when* to read. They come from this process's worker (after commit),
from Redis (other processes: `RedisLive`), and from a poll every few seconds for what
no wake-up announced. The hub reads for every woken player in one statement, in a worker
thread, and nothing on the loop blocks or holds a lock across an await.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from typing import Any

import orjson
import redis
import redis.asyncio
from starlette.concurrency import run_in_threadpool

from questline.notifications import store
from questline.notifications.store import StreamKey
from questline.storage.database import Database

log = logging.getLogger(__name__)

CHANNEL = "questline:notifications"
_READ_LIMIT = 2000  # rows per read; a longer backlog is read in further rounds
_PLAYERS_PER_READ = 500
_QUEUE = 256  # notifications waiting for a slow client before its reads pause


class Stream:
    """One open stream: the last id it was given, and what waits to be sent."""

    def __init__(self, hub: LiveHub, key: StreamKey, cursor: int) -> None:
        self.hub = hub
        self.key = key
        self.cursor = cursor
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.paused = False

    @property
    def full(self) -> bool:
        return self.queue.qsize() >= _QUEUE

    def offer(self, notification: dict[str, Any]) -> None:
        if notification["id"] <= self.cursor:
            return  # read for another stream of the player, or read twice
        if self.full:
            self.paused = True  # not taken: the cursor stays, a later read finds it again
            return
        self.cursor = notification["id"]
        self.queue.put_nowait(notification)

    async def next(self) -> dict[str, Any]:
        notification = await self.queue.get()
        if self.paused and self.queue.empty():
            self.paused = False
            self.hub.mark([self.key])
        return notification


class LiveHub:
    def __init__(self, database: Database, *, poll_seconds: float) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self._streams: dict[StreamKey, set[Stream]] = {}
        self._dirty: set[StreamKey] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def open_streams(self) -> int:
        return sum(len(streams) for streams in self._streams.values())

    def start(self, *extra: Any) -> None:
        """On the server's event loop (the lifespan); `extra` coroutines run beside."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._tasks = [self._loop.create_task(self._run())]
        self._tasks += [self._loop.create_task(coroutine) for coroutine in extra]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._loop = None

    def publish(self, players: Collection[StreamKey]) -> None:
        """These players have new notifications. From any thread."""
        loop = self._loop
        if loop is None or not players:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self.mark, list(players))

    def mark(self, players: Collection[StreamKey]) -> None:
        """On the loop: read for these players at the next round."""
        found = [key for key in players if key in self._streams]
        if found and self._wake is not None:
            self._dirty.update(found)
            self._wake.set()

    def mark_all(self) -> None:
        self.mark(list(self._streams))

    def open(self, key: StreamKey, cursor: int) -> Stream:
        if self._loop is None:
            raise RuntimeError("the live hub is not started")
        stream = Stream(self, key, cursor)
        self._streams.setdefault(key, set()).add(stream)
        self.mark([key])
        return stream

    def close(self, stream: Stream) -> None:
        streams = self._streams.get(stream.key)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del self._streams[stream.key]

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                self._dirty.update(self._streams)  # what no wake-up announced
            self._wake.clear()
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("could not read notifications for live streams", exc_info=True)
                await asyncio.sleep(min(self.poll_seconds, 1.0))
                self._dirty.update(self._streams)

    async def _read(self) -> None:
        while self._dirty:
            wanted: list[tuple[StreamKey, int]] = []
            for key in self._dirty:
                ready = [s.cursor for s in self._streams.get(key, ()) if not s.full]
                if ready:
                    wanted.append((key, min(ready)))
            self._dirty.clear()
            for start in range(0, len(wanted), _PLAYERS_PER_READ):
                part = wanted[start : start + _PLAYERS_PER_READ]
                rows = await run_in_threadpool(self._fetch, part)
                for key, notification in rows:
                    for stream in list(self._streams.get(key, ())):
                        stream.offer(notification)
                if len(rows) == _READ_LIMIT:
                    self._dirty.update(key for key, _ in part)  # more after these

    def _fetch(self, cursors: list[tuple[StreamKey, int]]) -> list[store.Found]:
        with self.database.reader() as session:
            return store.after(session, cursors, _READ_LIMIT)


class RedisLive:
    """Wake-ups between processes: workers publish the players they notified; every
    server process listens and wakes its hub. Losing a message costs only latency (the
    hub's poll reads anyway)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: redis.Redis | None = None

    def publish(self, players: Collection[StreamKey]) -> None:
        try:
            if self._client is None:
                self._client = redis.Redis.from_url(self.url, socket_timeout=2)
            self._client.publish(CHANNEL, orjson.dumps(sorted(players)))
        except redis.RedisError:
            log.warning("could not announce new notifications over Redis", exc_info=True)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    async def listen(self, hub: LiveHub) -> None:
        """Wake `hub` for what any process announces; reconnect after a failure (and
        then read for every open stream: announcements may have been missed)."""
        while True:
            client = redis.asyncio.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    hub.mark_all()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            hub.mark([(int(a), str(p)) for a, p in orjson.loads(message["data"])])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the Redis notification channel; reconnecting", exc_info=True)
                await asyncio.sleep(1.0)
            finally:
                await client.aclose()


class Fanout:
    """Publish to several (this process's hub and Redis, for the server's own writes)."""

    def __init__(self, *targets: Any) -> None:
        self.targets = targets

    def publish(self, players: Collection[StreamKey]) -> None:
        for target in self.targets:
            target.publish(players)
