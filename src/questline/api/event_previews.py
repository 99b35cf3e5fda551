"""/v1/events/preview: what events would do now, under the current design or a draft.
Records nothing and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Self

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from questline.api.event_schemas import EventIn
from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.effect_schemas import EFFECT_EXAMPLE, Effects
from questline.api.http.openapi_problems import ProblemField
from questline.api.http.sessions import SessionRoute
from questline.services.previews import MAX_PREVIEW_EVENTS, preview_events

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=SessionRoute)


class PreviewIn(BaseModel):
    """One event or a list of them, and optionally a draft design to score them with."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event": {
                        "type": "attempt.submitted",
                        "player": "ada",
                        "item": "sql-basics",
                        "properties": {"score": 85},
                    },
                    "design": {
                        "currencies": {"xp": {}},
                        "rules": [
                            {
                                "id": "attempt-xp",
                                "on": "attempt.submitted",
                                "award": {"xp": "item.xp * event.score / 100"},
                            }
                        ],
                    },
                }
            ]
        },
    )

    event: EventIn | None = Field(default=None, description="one event (or send `events`)")
    events: list[EventIn] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PREVIEW_EVENTS,
        description="up to 1,000 events, scored in order, each seeing what the ones before did",
    )
    design: dict[str, Any] | None = Field(
        default=None,
        description="a draft game design (as `PUT /v1/config` takes it, in JSON) to score"
        " with instead of the current one",
    )

    @model_validator(mode="after")
    def _one_of_event_or_events(self) -> Self:
        if (self.event is None) == (self.events is None):
            raise ValueError("send either `event` (one) or `events` (a list), not both or neither")
        return self

    def all_events(self) -> list[EventIn]:
        return [self.event] if self.event is not None else list(self.events or [])


_RESULT_EXAMPLE: dict[str, Any] = {
    "index": 0,
    "id": "attempt-8812",
    "player": "ada",
    "status": "processed",
    "effects": [EFFECT_EXAMPLE],
}


class PreviewResultOut(BaseModel):
    """What one event would do: its effects, or why it would fail or be refused."""

    model_config = ConfigDict(json_schema_extra={"examples": [_RESULT_EXAMPLE]})

    index: int
    id: str | None
    player: str
    status: Literal["processed", "failed", "rejected"] = Field(
        description="processed: the effects it would have; failed: the design cannot score"
        " it (see error); rejected: `POST /v1/events` would refuse it (see error)"
    )
    effects: Effects = None
    error: ProblemField = None


class PreviewOut(BaseModel):
    """What the events would do now, in order; nothing was recorded."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"config_version": 3, "results": [_RESULT_EXAMPLE]}]}
    )

    config_version: int | None = Field(
        description="the published version the events were scored with; null for a draft"
    )
    results: list[PreviewResultOut]


@router.post(
    "/preview",
    summary="What events would do now, under the current design or a draft; records nothing",
)
def preview(
    body: PreviewIn, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> PreviewOut:
    found = preview_events(
        session,
        context.designs,
        principal.app_id,
        [event.to_new_event() for event in body.all_events()],
        draft=body.design,
        now=datetime.now(UTC),
    )
    return PreviewOut(
        config_version=found.config_version,
        results=[
            PreviewResultOut(
                index=result.index,
                id=result.id,
                player=result.player,
                status=result.status,
                effects=result.effects,
                error=result.error,
            )
            for result in found.results
        ],
    )
