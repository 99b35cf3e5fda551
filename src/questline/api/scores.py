"""A player's score: value, tier and the components it was computed from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Locale
from questline.api.mechanic_reads import current_design
from questline.processing.score_reads import read_score, read_scores

router = APIRouter(tags=["scores"], route_class=SessionRoute)


class ScoreOut(BaseModel):
    """A player's score: its value, its tier and the inputs it was computed from."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "reputation",
                    "name": "Reliability",
                    "player": "eve",
                    "value": -5,
                    "tier": "red",
                    "min": -5,
                    "max": 20,
                    "components": {"metric.completed": 0, "metric.no_shows": 8, "formula": -8},
                    "config_version": 3,
                    "computed_at": "2026-11-21T20:28:56.094760Z",
                }
            ]
        }
    )

    key: str
    name: str | None
    player: str
    value: int | float
    tier: str | None
    min: int | None
    max: int | None
    components: dict[str, Any]
    config_version: int
    computed_at: datetime


class ScoreList(BaseModel):
    data: list[ScoreOut]


@router.get(
    "/v1/players/{player_id}/scores",
    summary="Every score of the design for a player, with tiers and inputs",
)
def player_scores(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> ScoreList:
    return read_player_scores(context, session, principal.app_id, player_id, locale)


def read_player_scores(
    context: Context, session: Session, app_id: int, player_id: str, locale: str | None
) -> ScoreList:
    """Every score of the design for a player (the API's answer and the console's)."""
    design = current_design(context, session, app_id)
    found = read_scores(
        session, context.scores, design, app_id, player_id, datetime.now(UTC), locale
    )
    return ScoreList(data=[ScoreOut.model_validate({**s, "player": player_id}) for s in found])


@router.get(
    "/v1/players/{player_id}/scores/{key}",
    summary="A player's score, its tier and the inputs it was computed from",
)
def player_score(
    player_id: str,
    key: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> ScoreOut:
    design = current_design(context, session, principal.app_id)
    found = read_score(
        session, context.scores, design, principal.app_id, player_id, key, datetime.now(UTC), locale
    )
    return ScoreOut.model_validate({**found, "player": player_id})
