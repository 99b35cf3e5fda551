"""Request and response bodies of /v1/webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

Url = Annotated[str, StringConstraints(min_length=8, max_length=2000)]
EventTypes = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=100)]],
    Field(min_length=1, max_length=50),
]
Secret = Annotated[str, StringConstraints(min_length=10, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=500)]

# No nulls in examples: FastAPI leaves them out of the served schema.
_T = "2026-11-23T18:02:11Z"
_ENDPOINT: JsonDict = {
    "id": 3,
    "url": "https://games.example.com/hooks/questline",
    "description": "toasts and push",
    "events": ["notification.created", "effect.achievement_unlocked"],
    "enabled": True,
    "created_at": _T,
    "updated_at": _T,
}
_DELIVERY: JsonDict = {
    "id": 9,
    "message_id": "msg_6f1c2a0b9d8e4f7a8b3c2d1e0f9a8b7c",
    "event_type": "notification.created",
    "status": "pending",
    "attempts": 2,
    "response_status": 503,
    "latency_ms": 41,
    "last_error": "HTTP 503: Service Unavailable",
    "next_attempt_at": "2026-11-23T18:02:31Z",
    "created_at": _T,
    "last_attempt_at": "2026-11-23T18:02:16Z",
}


class WebhookIn(BaseModel):
    """An endpoint to send webhooks to."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://games.example.com/hooks/questline",
                    "events": ["notification.created", "effect.achievement_unlocked"],
                    "description": "toasts and push",
                }
            ]
        },
    )

    url: Url = Field(description="http(s); it must resolve to a public address")
    events: EventTypes = Field(
        description="`notification.created`, `effect.<kind>`, or `effect.*` / `*` for all"
    )
    description: Description | None = None
    secret: Secret | None = Field(
        default=None, description="`whsec_` + base64 of 24–64 bytes; made for you if left out"
    )
    enabled: bool = True


class WebhookPatch(BaseModel):
    """Changes to an endpoint: only the fields given change. `enabled: true` on a
    disabled endpoint starts it again (and forgets why it was disabled)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"enabled": True}, {"rotate_secret": True}]},
    )

    url: Url | None = None
    events: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None
    secret: Secret | None = None
    rotate_secret: bool = Field(default=False, description="make a new secret")


class WebhookOut(BaseModel):
    """An endpoint. Its secret is shown only when it is made or changed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _ENDPOINT,
                {
                    **_ENDPOINT,
                    "enabled": False,
                    "failing_since": "2026-11-22T18:00:00Z",
                    "disabled_at": "2026-11-23T18:00:05Z",
                    "disabled_reason": "every delivery failed since 2026-11-22 18:00 UTC;"
                    " the last: no answer within 10 s",
                },
            ]
        }
    )

    id: int
    url: str
    description: str | None = None
    events: list[str]
    enabled: bool
    failing_since: datetime | None = Field(
        default=None, description="deliveries have failed, with no success, since then"
    )
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    secret: str | None = Field(default=None, description="shown only when made or changed")
    created_at: datetime
    updated_at: datetime


class WebhookPage(BaseModel):
    """The app's webhook endpoints."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [_ENDPOINT]}]})

    data: list[WebhookOut]
    next_cursor: str | None = None


class DeliveryOut(BaseModel):
    """One message to one endpoint, and its last attempt."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DELIVERY]})

    id: int
    message_id: str = Field(description="the `webhook-id` header, the same on every attempt")
    event_type: str
    status: str = Field(description="pending, succeeded or failed (given up)")
    attempts: int
    response_status: int | None = None
    latency_ms: int | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None


class DeliveryPage(BaseModel):
    """An endpoint's deliveries, newest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [_DELIVERY], "next_cursor": "OQ"}]}
    )

    data: list[DeliveryOut]
    next_cursor: str | None = None
