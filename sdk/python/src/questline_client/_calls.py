"""The API's calls as data — method, path, query, body and the model of the answer — made
once here and run by the synchronous and the asynchronous client alike."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from questline_client._version import __version__
from questline_client.errors import error_from_response
from questline_client.models import (
    ActivityPage,
    BatchResult,
    Cheer,
    Event,
    EventAccepted,
    EventDetails,
    Follow,
    LeaderboardPage,
    LedgerEntry,
    Link,
    Notification,
    Page,
    Player,
    PlayerAchievement,
    PlayerQuest,
    PlayerToken,
    Profile,
    PropertyValue,
    Score,
    ScoreList,
    SocialProfile,
    Streak,
)

# Methods a request may be sent again with, when its answer was lost or was a 503.
REPEATABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

M = TypeVar("M", bound=BaseModel)

DEFAULT_URL = "http://127.0.0.1:8000"
MAX_BATCH = 1000  # the server's limit per batch
USER_AGENT = f"questline-client-python/{__version__}"


class NoContent(BaseModel):
    """The answer of a call that answers nothing (``204 No Content``)."""


@dataclass(frozen=True)
class Call(Generic[M]):
    method: str
    path: str
    model: type[M]
    params: dict[str, str | int | bool] = field(default_factory=dict)
    json: Any = None

    def at(self, cursor: str | None) -> Call[M]:
        """The same call for the page after ``cursor``."""
        params = {k: v for k, v in self.params.items() if k != "cursor"}
        if cursor:
            params["cursor"] = cursor
        return replace(self, params=params)

    def parse(self, response: httpx.Response) -> M:
        if not response.is_success:
            raise error_from_response(response)
        if self.model is NoContent:
            return self.model()
        return self.model.model_validate_json(response.content)


def settings(api_key: str | None, base_url: str | None) -> tuple[str, str]:
    """The key and URL given, else ``QUESTLINE_API_KEY`` and ``QUESTLINE_URL``."""
    key = api_key or os.environ.get("QUESTLINE_API_KEY")
    if not key:
        raise ValueError("no API key: pass api_key=, or set QUESTLINE_API_KEY")
    return key, (base_url or os.environ.get("QUESTLINE_URL") or DEFAULT_URL).rstrip("/")


def headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def with_id(event: Event) -> Event:
    """The event with an idempotency key: its own, or a new one made once, before the
    first attempt, so that every retry carries the same."""
    return event if event.id is not None else event.model_copy(update={"id": new_event_id()})


def make_event(
    type_: str,
    player: str,
    *,
    properties: Mapping[str, PropertyValue] | None,
    id_: str | None,
    time: datetime | None,
    item: str | None,
    profile: Profile | None,
) -> Event:
    return Event(
        type=type_,
        player=player,
        id=id_,
        time=time,
        properties=dict(properties or {}),
        item=item,
        profile=profile,
    )


def _segment(value: str) -> str:
    return quote(value, safe="")


def _player(player_id: str) -> str:
    return f"/v1/players/{_segment(player_id)}"


def _query(**values: str | int | bool | None) -> dict[str, str | int | bool]:
    return {
        k: ("true" if v is True else "false" if v is False else v)
        for k, v in values.items()
        if v is not None
    }


def send(event: Event, wait: bool) -> Call[EventAccepted]:
    return Call("POST", "/v1/events", EventAccepted, _query(wait=wait or None), event.body())


def send_batch(events: Iterable[Event], wait: bool) -> tuple[list[Event], Call[BatchResult]]:
    prepared = [with_id(e) for e in events]
    if not 1 <= len(prepared) <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} events, not {len(prepared)}")
    body = {"events": [e.body() for e in prepared]}
    return prepared, Call("POST", "/v1/events/batch", BatchResult, _query(wait=wait or None), body)


def event(event_id: str) -> Call[EventDetails]:
    return Call("GET", f"/v1/events/{_segment(event_id)}", EventDetails)


def player(player_id: str, locale: str | None = None) -> Call[Player]:
    return Call("GET", f"/v1/players/{_segment(player_id)}", Player, _query(locale=locale))


def ledger(
    player_id: str, currency: str | None, cause: str | None, limit: int | None, cursor: str | None
) -> Call[Page[LedgerEntry]]:
    params = _query(currency=currency, cause=cause, limit=limit, cursor=cursor)
    return Call("GET", f"/v1/players/{_segment(player_id)}/ledger", Page[LedgerEntry], params)


def achievements(player_id: str, locale: str | None) -> Call[Page[PlayerAchievement]]:
    path = f"/v1/players/{_segment(player_id)}/achievements"
    return Call("GET", path, Page[PlayerAchievement], _query(locale=locale))


def streaks(player_id: str) -> Call[Page[Streak]]:
    return Call("GET", f"/v1/players/{_segment(player_id)}/streaks", Page[Streak])


def quests(player_id: str, locale: str | None) -> Call[Page[PlayerQuest]]:
    path = f"/v1/players/{_segment(player_id)}/quests"
    return Call("GET", path, Page[PlayerQuest], _query(locale=locale))


def scores(player_id: str, locale: str | None) -> Call[ScoreList]:
    path = f"/v1/players/{_segment(player_id)}/scores"
    return Call("GET", path, ScoreList, _query(locale=locale))


def score(player_id: str, key: str, locale: str | None) -> Call[Score]:
    path = f"/v1/players/{_segment(player_id)}/scores/{_segment(key)}"
    return Call("GET", path, Score, _query(locale=locale))


def leaderboard(
    key: str,
    *,
    period: str | None,
    limit: int | None,
    cursor: str | None,
    around: str | None,
    radius: int | None,
    partition: str | None,
    players: Iterable[str] | None,
    among: str | None = None,
    player: str | None = None,
) -> Call[LeaderboardPage]:
    params = _query(
        period=period,
        limit=limit,
        cursor=cursor,
        around=around,
        radius=radius,
        partition=partition,
        players=",".join(players) if players is not None else None,
        among=among,
        player=player,
    )
    return Call("GET", f"/v1/leaderboards/{_segment(key)}", LeaderboardPage, params)


def notifications(
    player_id: str, unread: bool | None, limit: int | None, cursor: str | None
) -> Call[Page[Notification]]:
    params = _query(unread=unread, limit=limit, cursor=cursor)
    path = f"/v1/players/{_segment(player_id)}/notifications"
    return Call("GET", path, Page[Notification], params)


def player_token(player_id: str, minutes: int | None) -> Call[PlayerToken]:
    body = {"minutes": minutes} if minutes is not None else None
    return Call("POST", f"/v1/players/{_segment(player_id)}/token", PlayerToken, json=body)


def follow(player_id: str, other_id: str) -> Call[Follow]:
    return Call("PUT", f"{_player(player_id)}/following/{_segment(other_id)}", Follow)


def unfollow(player_id: str, other_id: str) -> Call[NoContent]:
    return Call("DELETE", f"{_player(player_id)}/following/{_segment(other_id)}", NoContent)


def links(player_id: str, which: str, limit: int | None, cursor: str | None) -> Call[Page[Link]]:
    """A page of ``following``, ``followers`` or ``blocks``."""
    params = _query(limit=limit, cursor=cursor)
    return Call("GET", f"{_player(player_id)}/{which}", Page[Link], params)


def block(player_id: str, other_id: str) -> Call[Follow]:
    return Call("PUT", f"{_player(player_id)}/blocks/{_segment(other_id)}", Follow)


def unblock(player_id: str, other_id: str) -> Call[NoContent]:
    return Call("DELETE", f"{_player(player_id)}/blocks/{_segment(other_id)}", NoContent)


def private_profile(player_id: str, private: bool) -> Call[SocialProfile]:
    body = {"private": private}
    return Call("PUT", f"{_player(player_id)}/profile", SocialProfile, json=body)


def feed(
    player_id: str, locale: str | None, limit: int | None, cursor: str | None
) -> Call[ActivityPage]:
    params = _query(locale=locale, limit=limit, cursor=cursor)
    return Call("GET", f"{_player(player_id)}/feed", ActivityPage, params)


def activity(
    player_id: str,
    viewer: str | None,
    locale: str | None,
    limit: int | None,
    cursor: str | None,
) -> Call[ActivityPage]:
    params = _query(viewer=viewer, locale=locale, limit=limit, cursor=cursor)
    return Call("GET", f"{_player(player_id)}/activity", ActivityPage, params)


def cheer(player_id: str, entry_id: int) -> Call[Cheer]:
    return Call("PUT", f"{_player(player_id)}/cheers/{entry_id}", Cheer)


def uncheer(player_id: str, entry_id: int) -> Call[Cheer]:
    return Call("DELETE", f"{_player(player_id)}/cheers/{entry_id}", Cheer)


def stream_path(player_id: str) -> str:
    return f"/v1/players/{_segment(player_id)}/notifications/stream"
