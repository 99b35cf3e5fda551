"""A player's live notifications over Server-Sent Events, as iterators that reconnect
with ``Last-Event-ID`` when the server ends a stream (it does, after its lifetime) or
the connection drops — so every notification arrives once, in order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Self

import httpx

from questline_client import _calls
from questline_client.errors import QuestlineError, TransportError, error_from_response
from questline_client.models import Notification

if TYPE_CHECKING:
    from questline_client.async_client import AsyncQuestline
    from questline_client.client import Questline

_DEFAULT_RECONNECT = 2.0  # seconds, until the server's `retry:` says otherwise


@dataclass
class SseParser:
    """Lines in, complete events out (https://html.spec.whatwg.org/#event-stream-interpretation)."""

    retry: float = _DEFAULT_RECONNECT
    _event: str = ""
    _id: str | None = None
    _data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> tuple[str, str | None, str] | None:
        """One line; an (event, id, data) when the line ends an event."""
        if line == "":
            if not self._data:
                self._event = ""
                return None
            found = (self._event or "message", self._id, "\n".join(self._data))
            self._event, self._data = "", []
            return found
        if line.startswith(":"):
            return None  # a comment: the server's heartbeat
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value) / 1000
        return None


def _notification(parser: SseParser, line: str) -> Notification | None:
    found = parser.feed(line)
    if found is None or found[0] != "notification":
        return None
    return Notification.model_validate_json(found[2])


class NotificationStream:
    """``for notification in stream``: blocks until the next one. ``last_event_id`` is
    the id of the last one received (keep it to resume later); ``close()`` ends it."""

    def __init__(
        self,
        client: Questline,
        player_id: str,
        last_event_id: int | str | None,
        reconnect: bool,
        read_timeout: float,
    ) -> None:
        self._client = client
        self.player_id = player_id
        self.last_event_id = None if last_event_id is None else str(last_event_id)
        self.reconnect = reconnect
        self._timeout = httpx.Timeout(client.timeout, read=read_timeout)
        self._parser = SseParser()
        self._response: httpx.Response | None = None
        self._lines: Iterator[str] | None = None
        self._closed = False

    def open(self) -> None:
        if self.last_event_id is None:
            # Resume from the newest notification now, so that a reconnection before the
            # first one arrives has an id to resume from.
            newest = self._client.notifications(self.player_id, limit=1).data
            self.last_event_id = str(newest[0].id if newest else 0)
        retry = 0
        while True:
            try:
                self._connect()
                return
            except (TransportError, _Retryable) as error:
                retry += 1
                response = error.response if isinstance(error, _Retryable) else None
                wait = self._client.retry.delay(retry, response)
                if wait is None:
                    if isinstance(error, _Retryable):
                        raise error.error from None
                    raise
                time.sleep(wait)

    def _connect(self) -> None:
        http = self._client._http
        request = http.build_request(
            "GET",
            self._client.base_url + _calls.stream_path(self.player_id),
            headers={
                **self._client._headers,
                "Accept": "text/event-stream",
                "Last-Event-ID": self.last_event_id or "0",
            },
            timeout=self._timeout,
        )
        try:
            response = http.send(request, stream=True)
        except httpx.TransportError as error:
            raise TransportError(f"notification stream: {error!r}") from error
        if not response.is_success:
            response.read()
            response.close()
            refused = error_from_response(response)
            if response.status_code in self._client.retry.statuses:
                raise _Retryable(refused, response)
            raise refused
        self._parser = SseParser(retry=self._parser.retry)
        self._response = response
        self._lines = response.iter_lines()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Notification:
        while not self._closed:
            assert self._lines is not None
            try:
                for line in self._lines:
                    notification = _notification(self._parser, line)
                    if notification is not None:
                        self.last_event_id = str(notification.id)
                        return notification
            except httpx.TransportError:
                if self._closed:
                    break
            self._end_response()
            if not self.reconnect or self._closed:
                break
            time.sleep(self._parser.retry)
            self.open()
        raise StopIteration

    def _end_response(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None

    def close(self) -> None:
        self._closed = True
        self._end_response()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class _Retryable(QuestlineError):
    """A refused stream whose status the retry policy retries (429, 503)."""

    def __init__(self, error: QuestlineError, response: httpx.Response) -> None:
        super().__init__(str(error))
        self.error = error
        self.response = response


class AsyncNotificationStream:
    """``async for notification in stream``; ``await stream.aclose()`` ends it."""

    def __init__(
        self,
        client: AsyncQuestline,
        player_id: str,
        last_event_id: int | str | None,
        reconnect: bool,
        read_timeout: float,
    ) -> None:
        self._client = client
        self.player_id = player_id
        self.last_event_id = None if last_event_id is None else str(last_event_id)
        self.reconnect = reconnect
        self._timeout = httpx.Timeout(client.timeout, read=read_timeout)
        self._parser = SseParser()
        self._response: httpx.Response | None = None
        self._lines: AsyncIterator[str] | None = None
        self._closed = False

    async def open(self) -> None:
        if self.last_event_id is None:
            newest = (await self._client.notifications(self.player_id, limit=1)).data
            self.last_event_id = str(newest[0].id if newest else 0)
        retry = 0
        while True:
            try:
                await self._connect()
                return
            except (TransportError, _Retryable) as error:
                retry += 1
                response = error.response if isinstance(error, _Retryable) else None
                wait = self._client.retry.delay(retry, response)
                if wait is None:
                    if isinstance(error, _Retryable):
                        raise error.error from None
                    raise
                await asyncio.sleep(wait)

    async def _connect(self) -> None:
        http = self._client._http
        request = http.build_request(
            "GET",
            self._client.base_url + _calls.stream_path(self.player_id),
            headers={
                **self._client._headers,
                "Accept": "text/event-stream",
                "Last-Event-ID": self.last_event_id or "0",
            },
            timeout=self._timeout,
        )
        try:
            response = await http.send(request, stream=True)
        except httpx.TransportError as error:
            raise TransportError(f"notification stream: {error!r}") from error
        if not response.is_success:
            await response.aread()
            await response.aclose()
            refused = error_from_response(response)
            if response.status_code in self._client.retry.statuses:
                raise _Retryable(refused, response)
            raise refused
        self._parser = SseParser(retry=self._parser.retry)
        self._response = response
        self._lines = response.aiter_lines()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Notification:
        while not self._closed:
            assert self._lines is not None
            try:
                async for line in self._lines:
                    notification = _notification(self._parser, line)
                    if notification is not None:
                        self.last_event_id = str(notification.id)
                        return notification
            except httpx.TransportError:
                if self._closed:
                    break
            await self._end_response()
            if not self.reconnect or self._closed:
                break
            await asyncio.sleep(self._parser.retry)
            await self.open()
        raise StopAsyncIteration

    async def _end_response(self) -> None:
        if self._response is not None:
            await self._response.aclose()
            self._response = None

    async def aclose(self) -> None:
        self._closed = True
        await self._end_response()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
