"""What /v1/events reads and answers: an event as sent, as accepted, as read back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
)

from questline.api.http.effect_schemas import Effects
from questline.api.http.openapi_problems import ProblemField
from questline.api.inputs import AvatarUrl, EventTime, Identifier
from questline.engine.grants import RESERVED_PREFIX
from questline.engine.periods import is_valid_zone
from questline.errors import ProcessingFailed
from questline.processing.batch import PENDING
from questline.processing.ingest import NewEvent, Profile
from questline.processing.submission import EventStatus
from questline.storage.models import Event

EventType = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]


def _storable(value: Any) -> Any:
    # Whole numbers must fit in 64 bits (what storage and JSON keep exactly); in a
    # plain union an out-of-range int would quietly become an inexact float.
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise ValueError("whole numbers must be between -2^63 and 2^63 - 1")
    return value


# Strict types: in lax mode 1 would be read as true.
Scalar = Annotated[
    StrictStr | StrictBool | StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)] | None,
    Field(union_mode="smart"),
    BeforeValidator(_storable),
]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    time_zone: str | None = Field(default=None, examples=["Europe/Berlin"])
    locale: Annotated[str, StringConstraints(max_length=35)] | None = None
    avatar_url: AvatarUrl | None = Field(
        default=None,
        description="a picture of the player that boards show beside the name: an http(s) URL",
        examples=["https://cdn.example.com/avatars/ada.png"],
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_zone(value):
            raise ValueError(f"'{value}' is not an IANA time zone (such as Europe/Berlin)")
        return value


class EventIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "attempt-8812",
                    "type": "attempt.submitted",
                    "player": "ada",
                    "item": "sql-basics",
                    "properties": {"score": 85},
                    "profile": {"name": "Ada", "time_zone": "Europe/London"},
                }
            ]
        },
    )

    id: Identifier | None = Field(
        default=None, description="your idempotency key; replays award nothing"
    )
    type: EventType
    player: Identifier
    time: EventTime | None = Field(
        default=None,
        description="when it happened (default: now); from 2000 to 30 days ahead of the"
        " server's clock",
    )
    properties: dict[Annotated[str, StringConstraints(max_length=100)], Scalar] = Field(
        default_factory=dict
    )
    item: Identifier | None = None
    profile: ProfileIn | None = None

    @field_validator("type")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith(RESERVED_PREFIX):
            raise ValueError(
                f"types starting with '{RESERVED_PREFIX}' are Questline's own"
                " (a manual grant is POST /v1/players/{id}/grants)"
            )
        return value

    def to_new_event(self) -> NewEvent:
        profile = (
            Profile(
                self.profile.name,
                self.profile.time_zone,
                self.profile.locale,
                self.profile.avatar_url,
            )
            if self.profile is not None
            else None
        )
        return NewEvent(
            type=self.type,
            player=self.player,
            key=self.id,
            occurred_at=self.time,
            properties=dict(self.properties),
            item=self.item,
            profile=profile,
        )


def failure(error: str | None) -> dict[str, Any] | None:
    """A failed event's `error` wherever an event is answered (sent, sent in a batch,
    read back, previewed): problem details with code `processing_failed`."""
    return ProcessingFailed(error).problem() if error is not None else None


def reported_effects(status: str, effects: list[Any] | None) -> list[Any] | None:
    """What an answer says the event did: the effects once processed, none (`[]`) once
    failed, `null` while pending."""
    if status == PENDING:
        return None
    return effects or []


class EventAccepted(BaseModel):
    id: str
    status: Literal["pending", "processed", "failed"]
    duplicate: bool
    received_at: datetime
    effects: Effects = None
    error: ProblemField = None

    @classmethod
    def of(cls, key: str, found: EventStatus, duplicate: bool) -> EventAccepted:
        return cls(
            id=key,
            status=found.status,
            duplicate=duplicate,
            received_at=found.received_at,
            effects=reported_effects(found.status, found.effects),
            error=failure(found.error),
        )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(
        min_length=1, max_length=1000, description="up to 1,000 events, each shaped like EventIn"
    )


class BatchItemResult(BaseModel):
    index: int
    id: str | None
    status: Literal["pending", "processed", "failed", "rejected"]
    duplicate: bool = False
    effects: Effects = None
    error: ProblemField = None


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[BatchItemResult]


class EventOut(BaseModel):
    id: str
    type: str
    player: str
    time: datetime
    received_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item: str | None
    status: Literal["pending", "processed", "failed"]
    processed_at: datetime | None
    config_version: int | None
    effects: Effects
    error: ProblemField


def event_out(event: Event, player: str) -> EventOut:
    """An event as the API shows it (and the console's player page)."""
    return EventOut(
        id=event.key,
        type=event.type,
        player=player,
        time=event.occurred_at,
        received_at=event.received_at,
        time_zone=event.time_zone,
        properties=event.properties,
        item=event.item_key,
        status=event.status,
        processed_at=event.processed_at,
        config_version=event.config_version,
        effects=reported_effects(event.status, event.effects),
        error=failure(event.error),
    )
