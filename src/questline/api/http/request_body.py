"""Reading a request's body within its limits, before the app sees any of it (the HTTP
edge, `edge.HttpEdge`, answers 413 and 408)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import Receive


async def read_body(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body, or None once it passes `max_bytes`. A client that goes away
    meanwhile ends the request as a client abort."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > max_bytes:
            return None
        if not message.get("more_body", False):
            return b"".join((*chunks, chunk)) if chunks else chunk
        chunks.append(chunk)


class Deadlines:
    """Cancels the reads that outlive their time limit, with one timer for all of them.

    A timer per request (`asyncio.timeout`) cost more than everything else reading a
    body does. Every read gets the same limit, so the oldest read in progress has
    the earliest deadline: the one timer is always set for it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.reading: dict[asyncio.Task[Any], float] = {}  # oldest first
        self.expired: set[asyncio.Task[Any]] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self, task: asyncio.Task[Any]) -> None:
        loop = task.get_loop()
        if loop is not self.loop:  # an app served again in this process has a new loop
            self.loop, self.timer = loop, None
        deadline = loop.time() + self.seconds
        self.reading[task] = deadline
        if self.timer is None:
            self.timer = loop.call_at(deadline, self._expire)

    def stop(self, task: asyncio.Task[Any]) -> bool:
        """Whether the read ran out of time (and its task was cancelled for it)."""
        self.reading.pop(task, None)
        if task in self.expired:
            self.expired.discard(task)
            return True
        return False

    def _expire(self) -> None:
        assert self.loop is not None
        self.timer = None
        now = self.loop.time()
        while self.reading:
            task, deadline = next(iter(self.reading.items()))
            if deadline > now:
                self.timer = self.loop.call_at(deadline, self._expire)
                return
            del self.reading[task]
            self.expired.add(task)
            task.cancel(msg="the request body did not arrive in time")
