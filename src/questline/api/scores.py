"""A player's score: value, tier and the components it was computed from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from questline.api.deps import ContextDep, PlayerReader, ReaderDep
from questline.api.mechanic_reads import current_design, localize
from questline.engine.expressions import EvaluationError
from questline.engine.periods import local_date, period_keys
from questline.engine.reader import StateReader
from questline.engine.scores import compute
from questline.engine.state import PlayerState
from questline.errors import NotFound, Unavailable
from questline.processing.player_view import load_view
from questline.storage.players import get_player

router = APIRouter(tags=["scores"])


class ScoreOut(BaseModel):
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


@router.get(
    "/v1/players/{player_id}/scores/{key}",
    summary="A player's score, its tier and the inputs it was computed from",
)
def player_score(
    player_id: str, key: str, principal: PlayerReader, session: ReaderDep, context: ContextDep
) -> ScoreOut:
    design = current_design(context, session, principal.app_id)
    score = design.scores.get(key)
    if score is None:
        raise NotFound(f"the game design has no score '{key}'")
    player = get_player(session, principal.app_id, player_id)
    cache_key = (principal.app_id, player.id if player else 0, key, design.version)
    cached = context.scores.get(cache_key) if player is not None else None
    if cached is not None:
        return ScoreOut.model_validate({**cached, "player": player_id})
    now = datetime.now(UTC)
    if player is None:
        # A player with no events yet scores the formula on zero inputs.
        periods = period_keys(local_date(now, "UTC"))
        reader = StateReader(PlayerState(player_id), periods, design)
    else:
        reader = load_view(session, design, player, now).reader
    try:
        computed = compute(score, reader)
    except EvaluationError as error:
        raise Unavailable(f"score '{key}' cannot be computed: {error.message}") from None
    value = computed.plain
    out = ScoreOut(
        key=key,
        name=localize(score.spec.name, None),
        player=player_id,
        value=value if isinstance(value, int) else float(value),
        tier=computed.tier,
        min=score.spec.min,
        max=score.spec.max,
        components=computed.components,
        config_version=design.version,
        computed_at=now,
    )
    if player is not None:
        context.scores.put(cache_key, out.model_dump(mode="json"))
    return out
