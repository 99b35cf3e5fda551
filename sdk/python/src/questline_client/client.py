"""``Questline``: the synchronous client."""

from __future__ import annotations

import time as clock
from collections.abc import Iterable, Iterator, Mapping
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
from questline_client.social import SocialCalls

if TYPE_CHECKING:
    from questline_client.batching import ErrorHandler, EventBatcher
    from questline_client.streams import NotificationStream

M = TypeVar("M", bound=BaseModel)


class Questline(SocialCalls):
    """A client of one Questline server, with an API key (or a player token).

    ``api_key`` and ``base_url`` default to ``QUESTLINE_API_KEY`` and ``QUESTLINE_URL``
    (else ``http://127.0.0.1:8000``). Pass ``http_client`` to use your own
    ``httpx.Client`` (proxies, event hooks, transports); it is then yours to close.
    Use it as a context manager, or call ``close()``; thread-safe.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        key, self.base_url = _calls.settings(api_key, base_url)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._headers = _calls.headers(key)
        self._batchers: list[EventBatcher] = []

    # --- plumbing ---

    def request(
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
        here: ``client.request("GET", "/v1/players/ada/wallet").json()``.

        A 429 is always retried (nothing was done). A lost connection or a 503 is retried
        only for a request that may be repeated: ``idempotent``, by default true for GET,
        HEAD, OPTIONS, PUT and DELETE — a POST may have been applied before the answer
        was lost, so pass ``idempotent=True`` only when its body carries an id."""
        repeatable = method.upper() in _calls.REPEATABLE if idempotent is None else idempotent
        retry = 0
        while True:
            try:
                response = self._http.request(
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
                clock.sleep(wait)
                continue
            if response.is_success:
                return response
            retry += 1
            may_retry = repeatable or response.status_code == 429
            wait = self.retry.delay(retry, response) if may_retry else None
            if wait is None:
                raise error_from_response(response)
            clock.sleep(wait)

    def _call(self, call: _calls.Call[M]) -> M:
        return call.parse(
            self.request(
                call.method, call.path, params=call.params, json=call.json, idempotent=True
            )
        )

    def _pages(self, call: _calls.Call[Any]) -> Iterator[Any]:
        cursor: str | None = None
        while True:
            page = self._call(call.at(cursor))
            yield from page.data
            cursor = page.next_cursor
            if not cursor:
                return

    def close(self) -> None:
        """Flush and stop the batchers made by this client, then close its connections."""
        for batcher in list(self._batchers):
            batcher.close()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- events ---

    def send(
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
        return self.send_event(event, wait=wait)

    def send_event(self, event: Event, *, wait: bool = False) -> EventAccepted:
        """Record one ``Event`` (given an id if it has none)."""
        return self._call(_calls.send(_calls.with_id(event), wait))

    def send_batch(self, events: Iterable[Event], *, wait: bool = False) -> BatchResult:
        """Record up to 1,000 events in one request (``POST /v1/events/batch``). Events
        without an id get one. A refused event does not refuse the others: see each
        result's ``status`` (``rejected``) and ``error``."""
        _, call = _calls.send_batch(events, wait)
        return self._call(call)

    def batcher(
        self,
        *,
        max_batch: int = 500,
        max_queue: int = 10_000,
        flush_interval: float = 1.0,
        when_full: Literal["block", "error"] = "block",
        on_error: ErrorHandler | None = None,
    ) -> EventBatcher:
        """A background sender of batches (see ``EventBatcher``); closed, and so flushed,
        with this client, or at the latest when the interpreter exits."""
        from questline_client.batching import EventBatcher

        batcher = EventBatcher(
            self,
            max_batch=max_batch,
            max_queue=max_queue,
            flush_interval=flush_interval,
            when_full=when_full,
            on_error=on_error,
        )
        self._batchers.append(batcher)
        return batcher

    def _forget(self, batcher: EventBatcher) -> None:
        if batcher in self._batchers:
            self._batchers.remove(batcher)

    def event(self, event_id: str) -> EventDetails:
        """A recorded event: its status (pending, processed, failed) and effects."""
        return self._call(_calls.event(event_id))

    # --- players ---

    def player(self, player_id: str, *, locale: str | None = None) -> Player:
        """A player's balances, levels, metrics and scores (score names in `locale`, else
        the player's own)."""
        return self._call(_calls.player(player_id, locale))

    def ledger(
        self,
        player_id: str,
        *,
        currency: str | None = None,
        cause: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[LedgerEntry]:
        """A page of a player's balance changes, newest first."""
        return self._call(_calls.ledger(player_id, currency, cause, limit, cursor))

    def iter_ledger(
        self,
        player_id: str,
        *,
        currency: str | None = None,
        cause: str | None = None,
        page_size: int = 100,
    ) -> Iterator[LedgerEntry]:
        """Every balance change of a player, newest first, page after page."""
        return self._pages(_calls.ledger(player_id, currency, cause, page_size, None))

    def achievements(self, player_id: str, *, locale: str | None = None) -> list[PlayerAchievement]:
        """A player's achievements with progress per tier."""
        return list(self._pages(_calls.achievements(player_id, locale)))

    def streaks(self, player_id: str) -> list[Streak]:
        """A player's streaks as they stand now."""
        return list(self._pages(_calls.streaks(player_id)))

    def quests(self, player_id: str, *, locale: str | None = None) -> list[PlayerQuest]:
        """A player's quests with progress per objective."""
        return list(self._pages(_calls.quests(player_id, locale)))

    def scores(self, player_id: str, *, locale: str | None = None) -> list[Score]:
        """Every score of the design for a player."""
        return (self._call(_calls.scores(player_id, locale))).data

    def score(self, player_id: str, key: str, *, locale: str | None = None) -> Score:
        """One score of a player, its tier and inputs."""
        return self._call(_calls.score(player_id, key, locale))

    def leaderboard(
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
        return self._call(
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
    ) -> Iterator[LeaderboardEntry]:
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

    def player_token(self, player_id: str, *, minutes: int | None = None) -> PlayerToken:
        """Mint a short-lived token for one player's own client (a browser, an app):
        ``Questline(token.token)`` then reads only that player's state."""
        return self._call(_calls.player_token(player_id, minutes))

    def notifications(
        self,
        player_id: str,
        *,
        unread: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Notification]:
        """A page of a player's inbox, newest first."""
        return self._call(_calls.notifications(player_id, unread, limit, cursor))

    def iter_notifications(
        self, player_id: str, *, unread: bool | None = None, page_size: int = 100
    ) -> Iterator[Notification]:
        """A player's whole inbox, newest first, page after page."""
        return self._pages(_calls.notifications(player_id, unread, page_size, None))

    def notification_stream(
        self,
        player_id: str,
        *,
        last_event_id: int | str | None = None,
        reconnect: bool = True,
        read_timeout: float = 60.0,
    ) -> NotificationStream:
        """Follow a player's notifications live (Server-Sent Events): an iterator of
        ``Notification``, open when this returns. It resumes after ``last_event_id``
        (else after the newest notification now), and when the connection ends it
        reconnects with ``Last-Event-ID`` so nothing is missed or repeated."""
        from questline_client.streams import NotificationStream

        stream = NotificationStream(self, player_id, last_event_id, reconnect, read_timeout)
        stream.open()
        return stream
