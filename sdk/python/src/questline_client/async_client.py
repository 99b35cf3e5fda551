"""``AsyncQuestline``: the asynchronous client (asyncio)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

import httpx
from pydantic import BaseModel

from questline_client import _calls
from questline_client.errors import TransportError, error_from_response
from questline_client.models import (
    BatchResult,
    Event,
    EventAccepted,
    EventDetails,
    LeaderboardEntry,
    LeaderboardPage,
    LedgerEntry,
    Notification,
    Page,
    Player,
    PlayerAchievement,
    PlayerQuest,
    PlayerToken,
    Profile,
    PropertyValue,
    Score,
    Streak,
)
from questline_client.retry import RetryPolicy
from questline_client.social import AsyncSocialCalls

if TYPE_CHECKING:
    from questline_client.batching import AsyncEventBatcher, ErrorHandler
    from questline_client.streams import AsyncNotificationStream

M = TypeVar("M", bound=BaseModel)


class AsyncQuestline(AsyncSocialCalls):
    """``Questline``'s asynchronous twin: the same methods, awaited.

    ``api_key`` and ``base_url`` default to ``QUESTLINE_API_KEY`` and ``QUESTLINE_URL``
    (else ``http://127.0.0.1:8000``). Pass ``http_client`` to use your own
    ``httpx.AsyncClient`` (proxies, event hooks, transports); it is then yours to close.
    Use it with ``async with``, or ``await client.aclose()``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        key, self.base_url = _calls.settings(api_key, base_url)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._headers = _calls.headers(key)
        self._batchers: list[AsyncEventBatcher] = []

    # --- plumbing ---

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request with the client's credentials and retries; return a successful
        answer or raise the typed error of a failed one. For endpoints without a method
        here: ``(await client.request("GET", "/v1/players/ada/wallet")).json()``.
        Retries as ``Questline.request`` does (``idempotent``: see there)."""
        repeatable = method.upper() in _calls.REPEATABLE if idempotent is None else idempotent
        retry = 0
        while True:
            try:
                response = await self._http.request(
                    method,
                    self.base_url + path,
                    params=params,
                    json=json,
                    headers={**self._headers, **(headers or {})},
                )
            except httpx.TransportError as error:
                retry += 1
                wait = self.retry.delay(retry, None) if repeatable else None
                if wait is None:
                    raise TransportError(f"{method} {path}: {error!r}") from error
                await asyncio.sleep(wait)
                continue
            if response.is_success:
                return response
            retry += 1
            may_retry = repeatable or response.status_code == 429
            wait = self.retry.delay(retry, response) if may_retry else None
            if wait is None:
                raise error_from_response(response)
            await asyncio.sleep(wait)

    async def _call(self, call: _calls.Call[M]) -> M:
        return call.parse(
            await self.request(
                call.method, call.path, params=call.params, json=call.json, idempotent=True
            )
        )

    async def _pages(self, call: _calls.Call[Any]) -> AsyncIterator[Any]:
        cursor: str | None = None
        while True:
            page = await self._call(call.at(cursor))
            for item in page.data:
                yield item
            cursor = page.next_cursor
            if not cursor:
                return

    async def aclose(self) -> None:
        """Flush and stop the batchers made by this client, then close its connections."""
        for batcher in list(self._batchers):
            await batcher.aclose()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- events ---

    async def send(
        self,
        type: str,
        player: str,
        *,
        properties: Mapping[str, PropertyValue] | None = None,
        id: str | None = None,
        time: datetime | None = None,
        item: str | None = None,
        profile: Profile | None = None,
        wait: bool = False,
    ) -> EventAccepted:
        """Record one event. Without ``id`` the client makes an idempotency key, kept
        across retries. ``wait=True`` processes it at once and returns its effects."""
        event = _calls.make_event(
            type, player, properties=properties, id_=id, time=time, item=item, profile=profile
        )
        return await self.send_event(event, wait=wait)

    async def send_event(self, event: Event, *, wait: bool = False) -> EventAccepted:
        """Record one ``Event`` (given an id if it has none)."""
        return await self._call(_calls.send(_calls.with_id(event), wait))

    async def send_batch(self, events: Iterable[Event], *, wait: bool = False) -> BatchResult:
        """Record up to 1,000 events in one request (``POST /v1/events/batch``). Events
        without an id get one. A refused event does not refuse the others: see each
        result's ``status`` (``rejected``) and ``error``."""
        _, call = _calls.send_batch(events, wait)
        return await self._call(call)

    def batcher(
        self,
        *,
        max_batch: int = 500,
        max_queue: int = 10_000,
        flush_interval: float = 1.0,
        when_full: Literal["block", "error"] = "block",
        on_error: ErrorHandler | None = None,
    ) -> AsyncEventBatcher:
        """A background sender of batches (see ``AsyncEventBatcher``); closed, and so
        flushed, with this client's ``aclose()``. Call it inside a running event loop."""
        from questline_client.batching import AsyncEventBatcher

        batcher = AsyncEventBatcher(
            self,
            max_batch=max_batch,
            max_queue=max_queue,
            flush_interval=flush_interval,
            when_full=when_full,
            on_error=on_error,
        )
        self._batchers.append(batcher)
        return batcher

    def _forget(self, batcher: AsyncEventBatcher) -> None:
        if batcher in self._batchers:
            self._batchers.remove(batcher)

    async def event(self, event_id: str) -> EventDetails:
        """A recorded event: its status (pending, processed, failed) and effects."""
        return await self._call(_calls.event(event_id))

    # --- players ---

    async def player(self, player_id: str, *, locale: str | None = None) -> Player:
        """A player's balances, levels, metrics and scores (score names in `locale`, else
        the player's own)."""
        return await self._call(_calls.player(player_id, locale))

    async def ledger(
        self,
        player_id: str,
        *,
        currency: str | None = None,
        cause: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[LedgerEntry]:
        """A page of a player's balance changes, newest first."""
        return await self._call(_calls.ledger(player_id, currency, cause, limit, cursor))

    def iter_ledger(
        self,
        player_id: str,
        *,
        currency: str | None = None,
        cause: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[LedgerEntry]:
        """Every balance change of a player, newest first, page after page."""
        return self._pages(_calls.ledger(player_id, currency, cause, page_size, None))

    async def achievements(
        self, player_id: str, *, locale: str | None = None
    ) -> list[PlayerAchievement]:
        """A player's achievements with progress per tier."""
        return [x async for x in self._pages(_calls.achievements(player_id, locale))]

    async def streaks(self, player_id: str) -> list[Streak]:
        """A player's streaks as they stand now."""
        return [x async for x in self._pages(_calls.streaks(player_id))]

    async def quests(self, player_id: str, *, locale: str | None = None) -> list[PlayerQuest]:
        """A player's quests with progress per objective."""
        return [x async for x in self._pages(_calls.quests(player_id, locale))]

    async def scores(self, player_id: str, *, locale: str | None = None) -> list[Score]:
        """Every score of the design for a player."""
        return (await self._call(_calls.scores(player_id, locale))).data

    async def score(self, player_id: str, key: str, *, locale: str | None = None) -> Score:
        """One score of a player, its tier and inputs."""
        return await self._call(_calls.score(player_id, key, locale))

    async def leaderboard(
        self,
        key: str,
        *,
        period: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        around: str | None = None,
        radius: int | None = None,
        partition: str | None = None,
        players: Iterable[str] | None = None,
        among: str | None = None,
        player: str | None = None,
    ) -> LeaderboardPage:
        """A page of a leaderboard. ``period``: ``current`` (default), ``all``,
        ``window`` or a run's start date; ``around`` a player (with ``radius``
        neighbours); ``players`` ranks just these; ``among="following"`` with
        ``player`` ranks the players ``player`` follows and them (a friends board,
        with ``player``'s own standing in ``player_standing``); ``cursor`` the
        previous page's ``next_cursor``."""
        return await self._call(
            _calls.leaderboard(
                key,
                period=period,
                limit=limit,
                cursor=cursor,
                around=around,
                radius=radius,
                partition=partition,
                players=players,
                among=among,
                player=player,
            )
        )

    def iter_leaderboard(
        self,
        key: str,
        *,
        period: str | None = None,
        partition: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[LeaderboardEntry]:
        """Every entry of a leaderboard's run, best first, page after page."""
        call = _calls.leaderboard(
            key,
            period=period,
            limit=page_size,
            cursor=None,
            around=None,
            radius=None,
            partition=partition,
            players=None,
        )
        return self._pages(call)

    # --- tokens and notifications ---

    async def player_token(self, player_id: str, *, minutes: int | None = None) -> PlayerToken:
        """Mint a short-lived token for one player's own client (a browser, an app):
        ``AsyncQuestline(token.token)`` then reads only that player's state."""
        return await self._call(_calls.player_token(player_id, minutes))

    async def notifications(
        self,
        player_id: str,
        *,
        unread: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Notification]:
        """A page of a player's inbox, newest first."""
        return await self._call(_calls.notifications(player_id, unread, limit, cursor))

    def iter_notifications(
        self, player_id: str, *, unread: bool | None = None, page_size: int = 100
    ) -> AsyncIterator[Notification]:
        """A player's whole inbox, newest first, page after page."""
        return self._pages(_calls.notifications(player_id, unread, page_size, None))

    async def notification_stream(
        self,
        player_id: str,
        *,
        last_event_id: int | str | None = None,
        reconnect: bool = True,
        read_timeout: float = 60.0,
    ) -> AsyncNotificationStream:
        """Follow a player's notifications live (Server-Sent Events): an iterator of
        ``Notification``, open when this returns. It resumes after ``last_event_id``
        (else after the newest notification now), and when the connection ends it
        reconnects with ``Last-Event-ID`` so nothing is missed or repeated."""
        from questline_client.streams import AsyncNotificationStream

        stream = AsyncNotificationStream(self, player_id, last_event_id, reconnect, read_timeout)
        await stream.open()
        return stream
