"""The module's request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

_LINK: dict[str, JsonValue] = {
    "player": "bob",
    "display_name": "Bob",
    "since": "2026-12-07T05:00:00Z",
}
_ENTRY: dict[str, JsonValue] = {
    "id": 41,
    "player": "bob",
    "display_name": "Bob",
    "kind": "level_reached",
    "message": "Bob reached level 5 in XP",
    "data": {"currency": "xp", "level": 5, "previous_level": 4},
    "cheers": 2,
    "cheered": False,
    "created_at": "2026-12-07T05:00:00Z",
}


class LinkOut(BaseModel):
    """Another player in a list of follows or blocks, and since when."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"player": "bob", "display_name": "Bob", "since": "2026-12-07T05:00:00Z"}]
        }
    )

    player: str
    display_name: str | None
    since: datetime


class LinkPage(BaseModel):
    """A page of follows or blocks, the latest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [_LINK], "next_cursor": "Mg"}]}
    )

    data: list[LinkOut]
    next_cursor: str | None


class FollowOut(BaseModel):
    """Whether `player` now follows (or blocks) `other`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"player": "ada", "other": "bob", "active": True}]}
    )

    player: str
    other: str
    active: bool


class SocialProfileIn(BaseModel):
    """A private profile appears in no one's feed or friends board, and only its owner
    reads its activity."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"private": True}]})

    private: bool = Field(strict=True)


class SocialProfileOut(BaseModel):
    """Whether the player's profile is private, with their follow counts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"player": "ada", "private": True, "following": 3, "followers": 5}]
        }
    )

    player: str
    private: bool
    following: int
    followers: int


class ActivityEntryOut(BaseModel):
    """One public thing a player did, worded in the reader's locale."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ENTRY]})

    id: int
    player: str
    display_name: str | None
    kind: str
    message: str
    data: dict[str, Any]
    cheers: int
    cheered: bool
    created_at: datetime


class EntryPage(BaseModel):
    """Entries newest first; `locale` is the one they are worded in."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [_ENTRY], "next_cursor": "NDE", "locale": "en"}]}
    )

    data: list[ActivityEntryOut]
    next_cursor: str | None
    locale: str


class CheerOut(BaseModel):
    """An entry's cheers, and whether the player now cheers it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"entry_id": 41, "cheers": 3, "cheered": True}]}
    )

    entry_id: int
    cheers: int
    cheered: bool
