"""Sending events in batches from the background, with bounded memory.

A batcher holds at most ``max_queue`` events — waiting, or in the request being sent.
When it is full, ``add`` waits for room (``when_full="block"``, the default: the
caller slows to what the server takes), up to its ``timeout``, or raises
``BatcherFull`` at once (``when_full="error"``: the caller decides what to drop). A
batch is sent when ``max_batch`` events wait, every ``flush_interval`` seconds, on
``flush()``, and on ``close()``; each event gets its idempotency key when added, so a
batch retried after a lost answer counts nothing twice.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Self

from questline_client import _calls
from questline_client.errors import (
    BatcherClosed,
    BatcherFull,
    EventRejected,
    QuestlineError,
)
from questline_client.models import BatchResult, Event, Profile, PropertyValue

if TYPE_CHECKING:
    from questline_client.async_client import AsyncQuestline
    from questline_client.client import Questline

log = logging.getLogger("questline_client")

ErrorHandler = Callable[[list[Event], QuestlineError], None]
"""Called with events that were not recorded and why: ``EventRejected`` for one the
server refused (the others of its batch were recorded), or the error that ended a
whole batch once its retries were spent."""


def _log_error(events: list[Event], error: QuestlineError) -> None:
    log.warning("%d event(s) not recorded: %s", len(events), error)


def _guarded(on_error: ErrorHandler | None) -> ErrorHandler:
    """The caller's error handler, made safe for the sender: one that raises is logged,
    and the sender goes on (else it would die, and nothing would be sent again)."""
    if on_error is None:
        return _log_error

    def handle(events: list[Event], error: QuestlineError) -> None:
        try:
            on_error(events, error)
        except Exception:
            log.exception("the batcher's on_error raised; %d event(s) not recorded", len(events))

    return handle


class _Bounds:
    def __init__(
        self, max_batch: int, max_queue: int, flush_interval: float, when_full: str
    ) -> None:
        if not 1 <= max_batch <= _calls.MAX_BATCH:
            raise ValueError(f"max_batch is 1 to {_calls.MAX_BATCH}")
        if max_queue < max_batch:
            raise ValueError("max_queue is at least max_batch")
        if when_full not in ("block", "error"):
            raise ValueError("when_full is 'block' or 'error'")
        if flush_interval <= 0:
            raise ValueError("flush_interval is above 0")
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.flush_interval = flush_interval
        self.when_full = when_full


def _report(events: list[Event], result: BatchResult, on_error: ErrorHandler) -> None:
    for item in result.results:
        if item.status == "rejected":
            error = item.error or {}
            on_error(
                [events[item.index]],
                EventRejected(
                    item.id,
                    code=str(error.get("code", "rejected")),
                    detail=str(error.get("detail", "")),
                    errors=error.get("errors"),
                ),
            )


class EventBatcher:
    """Background batches for the synchronous client (``Questline.batcher()``): a
    daemon thread sends them; ``close()`` — called by the client's ``close()`` and at
    interpreter exit — sends what is left first."""

    def __init__(
        self,
        client: Questline,
        *,
        max_batch: int = 500,
        max_queue: int = 10_000,
        flush_interval: float = 1.0,
        when_full: Literal["block", "error"] = "block",
        on_error: ErrorHandler | None = None,
    ) -> None:
        self._bounds = _Bounds(max_batch, max_queue, flush_interval, when_full)
        self._client = client
        self._on_error = _guarded(on_error)
        self._waiting: deque[Event] = deque()
        self._in_flight = 0
        self._flushing = False
        self._closed = False
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="questline-batcher", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @property
    def pending(self) -> int:
        """Events held: waiting, or in the request being sent."""
        with self._lock:
            return len(self._waiting) + self._in_flight

    def _full(self) -> bool:
        return len(self._waiting) + self._in_flight >= self._bounds.max_queue

    def add(
        self,
        type: str,
        player: str,
        *,
        properties: Mapping[str, PropertyValue] | None = None,
        id: str | None = None,
        time: datetime | None = None,
        item: str | None = None,
        profile: Profile | None = None,
        timeout: float | None = None,
    ) -> str:
        """Queue an event; its id (the idempotency key, made now if not given)."""
        event = _calls.make_event(
            type, player, properties=properties, id_=id, time=time, item=item, profile=profile
        )
        return self.add_event(event, timeout=timeout)

    def add_event(self, event: Event, *, timeout: float | None = None) -> str:
        """Queue an ``Event``. When full: wait up to ``timeout`` seconds (None: as long
        as it takes) for room, or with ``when_full="error"`` raise ``BatcherFull``."""
        event = _calls.with_id(event)
        with self._lock:
            if self._closed:
                raise BatcherClosed("the batcher is closed")
            if self._full():
                if self._bounds.when_full == "error":
                    raise BatcherFull(f"the batcher holds {self._bounds.max_queue} events")
                if not self._lock.wait_for(lambda: self._closed or not self._full(), timeout):
                    raise BatcherFull(f"no room in the batcher within {timeout} s")
                if self._closed:
                    raise BatcherClosed("the batcher is closed")
            self._waiting.append(event)
            if len(self._waiting) >= self._bounds.max_batch:
                self._lock.notify_all()
        assert event.id is not None
        return event.id

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued now; whether it was all sent within ``timeout``."""
        with self._lock:
            self._flushing = True
            self._lock.notify_all()
            return self._lock.wait_for(lambda: not self._waiting and not self._in_flight, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Send what is left and stop. Events added afterwards raise ``BatcherClosed``."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        atexit.unregister(self.close)
        self._client._forget(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _ready(self) -> bool:
        return len(self._waiting) >= self._bounds.max_batch or self._closed or self._flushing

    def _run(self) -> None:
        while True:
            with self._lock:
                deadline = time.monotonic() + self._bounds.flush_interval
                while not self._ready() and (left := deadline - time.monotonic()) > 0:
                    self._lock.wait(left)
                if not self._waiting:
                    self._flushing = False
                    self._lock.notify_all()
                    if self._closed:
                        return
                    continue
                count = min(self._bounds.max_batch, len(self._waiting))
                batch = [self._waiting.popleft() for _ in range(count)]
                self._in_flight = count
            try:
                self._deliver(batch)
            finally:
                with self._lock:
                    self._in_flight = 0
                    if not self._waiting:
                        self._flushing = False
                    self._lock.notify_all()

    def _deliver(self, batch: list[Event]) -> None:
        try:
            result = self._client.send_batch(batch)
        except QuestlineError as error:
            self._on_error(batch, error)
            return
        except Exception as error:  # the sender must live on: report, do not die
            self._on_error(batch, QuestlineError(f"unexpected: {error!r}"))
            return
        _report(batch, result, self._on_error)


class AsyncEventBatcher:
    """Background batches for ``AsyncQuestline.batcher()``: a task of the running event
    loop sends them. Close it with ``await batcher.aclose()``, ``async with``, or the
    client's ``aclose()`` — an event loop has no exit hook to do it for you."""

    def __init__(
        self,
        client: AsyncQuestline,
        *,
        max_batch: int = 500,
        max_queue: int = 10_000,
        flush_interval: float = 1.0,
        when_full: Literal["block", "error"] = "block",
        on_error: ErrorHandler | None = None,
    ) -> None:
        self._bounds = _Bounds(max_batch, max_queue, flush_interval, when_full)
        self._client = client
        self._on_error = _guarded(on_error)
        self._waiting: deque[Event] = deque()
        self._in_flight = 0
        self._flushing = False
        self._closed = False
        self._changed = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._run())

    @property
    def pending(self) -> int:
        """Events held: waiting, or in the request being sent."""
        return len(self._waiting) + self._in_flight

    def _full(self) -> bool:
        return self.pending >= self._bounds.max_queue

    async def add(
        self,
        type: str,
        player: str,
        *,
        properties: Mapping[str, PropertyValue] | None = None,
        id: str | None = None,
        time: datetime | None = None,
        item: str | None = None,
        profile: Profile | None = None,
        timeout: float | None = None,
    ) -> str:
        """Queue an event; its id (the idempotency key, made now if not given)."""
        event = _calls.make_event(
            type, player, properties=properties, id_=id, time=time, item=item, profile=profile
        )
        return await self.add_event(event, timeout=timeout)

    async def add_event(self, event: Event, *, timeout: float | None = None) -> str:
        """Queue an ``Event``. When full: wait up to ``timeout`` seconds (None: as long
        as it takes) for room, or with ``when_full="error"`` raise ``BatcherFull``."""
        event = _calls.with_id(event)
        async with self._changed:
            if self._closed:
                raise BatcherClosed("the batcher is closed")
            if self._full():
                if self._bounds.when_full == "error":
                    raise BatcherFull(f"the batcher holds {self._bounds.max_queue} events")
                try:
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: self._closed or not self._full())
                except TimeoutError:
                    raise BatcherFull(f"no room in the batcher within {timeout} s") from None
                if self._closed:
                    raise BatcherClosed("the batcher is closed")
            self._waiting.append(event)
            if len(self._waiting) >= self._bounds.max_batch:
                self._changed.notify_all()
        assert event.id is not None
        return event.id

    async def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued now; whether it was all sent within ``timeout``."""
        async with self._changed:
            self._flushing = True
            self._changed.notify_all()
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(lambda: not self.pending)
            except TimeoutError:
                return False
            return True

    async def aclose(self) -> None:
        """Send what is left and stop. Events added afterwards raise ``BatcherClosed``."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()
        await self._task
        self._client._forget(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _ready(self) -> bool:
        return len(self._waiting) >= self._bounds.max_batch or self._closed or self._flushing

    async def _run(self) -> None:
        while True:
            async with self._changed:
                try:
                    async with asyncio.timeout(self._bounds.flush_interval):
                        await self._changed.wait_for(self._ready)
                except TimeoutError:
                    pass
                if not self._waiting:
                    self._flushing = False
                    self._changed.notify_all()
                    if self._closed:
                        return
                    continue
                count = min(self._bounds.max_batch, len(self._waiting))
                batch = [self._waiting.popleft() for _ in range(count)]
                self._in_flight = count
            try:
                await self._deliver(batch)
            finally:
                async with self._changed:
                    self._in_flight = 0
                    if not self._waiting:
                        self._flushing = False
                    self._changed.notify_all()

    async def _deliver(self, batch: list[Event]) -> None:
        try:
            result = await self._client.send_batch(batch)
        except QuestlineError as error:
            self._on_error(batch, error)
            return
        except Exception as error:  # the sender must live on: report, do not die
            self._on_error(batch, QuestlineError(f"unexpected: {error!r}"))
            return
        _report(batch, result, self._on_error)
