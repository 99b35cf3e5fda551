"""Reading a player's score: from the cache, or computed from the stored state (never
from history) and cached."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.engine.expressions import EvaluationError
from questline.engine.mechanics import localize, reading_locale
from questline.engine.periods import local_date, period_keys
from questline.engine.scores import compute
from questline.engine.state import PlayerState
from questline.engine.view import StateView
from questline.errors import NotFound, Unavailable
from questline.processing.player_view import load_view
from questline.processing.score_cache import ScoreCache
from questline.storage.models import Player
from questline.storage.players import get_player


def read_score(
    session: Session,
    cache: ScoreCache,
    design: CompiledDesign,
    app_id: int,
    player_id: str,
    key: str,
    now: datetime,
    locale: str | None = None,
) -> dict[str, Any]:
    """The score as JSON-ready data: key, name, value, tier, bounds, components,
    config_version and computed_at. A player with no events yet scores the formula on
    zero inputs (and is not cached: there is nothing to invalidate it by). The name is
    in `locale`, else the player's, else the design's default (`reading_locale`)."""
    score = design.scores.get(key)
    if score is None:
        raise NotFound(f"the game design has no score '{key}'")
    player = get_player(session, app_id, player_id)
    return _read(session, cache, design, app_id, player_id, player, key, now, locale)


def read_scores(
    session: Session,
    cache: ScoreCache,
    design: CompiledDesign,
    app_id: int,
    player_id: str,
    now: datetime,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    """Every score of the design for the player, in the design's order (as `read_score`)."""
    player = get_player(session, app_id, player_id)
    return [
        _read(session, cache, design, app_id, player_id, player, key, now, locale)
        for key in design.scores
    ]


def computable_scores(
    session: Session,
    cache: ScoreCache,
    design: CompiledDesign,
    app_id: int,
    player: Player,
    now: datetime,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    """The scores of the design the player's state can compute, as `read_score` (the
    player resource's share): one that cannot is left out, not the whole read failed."""
    found = []
    for key in design.scores:
        try:
            found.append(
                _read(session, cache, design, app_id, player.external_id, player, key, now, locale)
            )
        except Unavailable:
            continue
    return found


def _read(
    session: Session,
    cache: ScoreCache,
    design: CompiledDesign,
    app_id: int,
    player_id: str,
    player: Player | None,
    key: str,
    now: datetime,
    locale: str | None,
) -> dict[str, Any]:
    score = design.scores[key]
    default = design.design.default_locale
    name = localize(
        score.spec.name,
        reading_locale(locale, player.locale if player is not None else None, default),
        default,
    )
    cache_key = (app_id, player.id, key, design.version) if player is not None else None
    if cache_key is not None:
        cached = cache.get(cache_key)
        if cached is not None:
            return {**cached, "name": name}
    if player is None:
        periods = period_keys(local_date(now, "UTC"))
        state_view = StateView(PlayerState(player_id), periods, design)
    else:
        state_view = load_view(session, design, player, now).state_view
    try:
        computed = compute(score, state_view)
    except EvaluationError as error:
        raise Unavailable(f"score '{key}' cannot be computed: {error.message}") from None
    value = computed.plain
    found: dict[str, Any] = {
        "key": key,
        "value": value if isinstance(value, int) else float(value),
        "tier": computed.tier,
        "min": score.spec.min,
        "max": score.spec.max,
        "components": computed.components,
        "config_version": design.version,
        "computed_at": now.isoformat(),
    }
    if cache_key is not None:
        cache.put(cache_key, found)
    return {**found, "name": name}
