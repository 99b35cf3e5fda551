"""Request and response bodies of the notifications endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

_NOTIFICATION_EXAMPLE: JsonDict = {
    "id": 412,
    "kind": "level_reached",
    "title": "Level 3!",
    "body": "You reached level 3 in XP.",
    "data": {"kind": "level_reached", "currency": "xp", "level": 3, "previous_level": 2},
    "push": True,
    "event_id": "attempt-1",
    "created_at": "2026-11-23T18:02:11Z",
    # (No nulls in examples: FastAPI leaves them out of the served schema.)
    "read_at": "2026-11-23T18:05:40Z",
}


class NotificationOut(BaseModel):
    """One entry of a player's inbox; `id` increases with every notification."""

    model_config = ConfigDict(json_schema_extra={"examples": [_NOTIFICATION_EXAMPLE]})

    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    push: bool
    event_id: str | None = Field(description="the event that caused it, if one did")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    """A page of a player's inbox, newest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [_NOTIFICATION_EXAMPLE], "next_cursor": "NDEy"}]}
    )

    data: list[NotificationOut]
    next_cursor: str | None


Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class MarkRead(BaseModel):
    """Exactly one of `ids` or `up_to`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"up_to": 412}, {"ids": [410, 412]}]}
    )

    ids: Annotated[list[Id], Field(min_length=1, max_length=500)] | None = None
    up_to: Id | None = Field(default=None, description="every notification up to this id")


class MarkedRead(BaseModel):
    """What marking did."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"marked": 2, "unread": 0}]})

    marked: int = Field(description="how many were unread and are now read")
    unread: int


Platform = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,19}$")]


class DeviceIn(BaseModel):
    """A device's push token, as the host app's push provider gave it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"platform": "ios", "token": "f2b9c0…"}]},
    )

    platform: Platform = Field(description="ios, android, web, … (the host app's own names)")
    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        description="the push token the host app's provider gave the device"
    )


class DeviceOut(BaseModel):
    """A registered device (its token is not shown again)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "device_id": "phone-1",
                    "platform": "ios",
                    "created_at": "2026-11-23T18:02:11Z",
                    "updated_at": "2026-11-23T18:02:11Z",
                }
            ]
        }
    )

    device_id: str
    platform: str
    created_at: datetime
    updated_at: datetime
