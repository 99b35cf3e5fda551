"""Reading a request's body within its limits, before the app sees any of it."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.http.problems import send_problem


class RequestBodyMiddleware:
    """Reads the whole request body before the app runs, within two limits.

    A body over `max_bytes` gets 413 (a declared Content-Length before anything is read).
    A body that has not fully arrived `timeout_seconds` after the request began gets 408
    and the connection is closed, so slow or stalled uploads cannot hold the server's
    connections. A client that goes away meanwhile ends the request as a client abort.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self.deadlines = _Deadlines(timeout_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, send)
            return
        task = asyncio.current_task()
        assert task is not None
        self.deadlines.start(task)
        try:
            body = await self._read(receive)
        except asyncio.CancelledError:
            if not self.deadlines.stop(task) or task.uncancel() > 0:
                raise  # not (only) ours: the server is shutting down
            await self._too_slow(scope, send)
            return
        finally:
            self.deadlines.stop(task)
        if body is None:
            await self._too_large(scope, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: the client's disconnect, if any
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it passes the limit."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return b"".join((*chunks, chunk)) if chunks else chunk
            chunks.append(chunk)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        await send_problem(
            scope,
            send,
            status=413,
            code="payload_too_large",
            title="The request body is too large",
            detail=f"request bodies are limited to {self.max_bytes} bytes",
        )

    async def _too_slow(self, scope: Scope, send: Send) -> None:
        await send_problem(
            scope,
            send,
            status=408,
            code="request_timeout",
            title="The request body took too long",
            detail=f"the body did not arrive within {self.timeout_seconds:g} s",
            headers=[(b"connection", b"close")],
        )


class _Deadlines:
    """Cancels the reads that outlive their time limit, with one timer for all of them.

    A timer per request (`asyncio.timeout`) cost more than everything else this
    middleware does. Every read gets the same limit, so the oldest read in progress has
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
