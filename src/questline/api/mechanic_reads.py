"""What the achievement, streak, quest and score routers share: the player and design
they read, and localized names."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.engine.compiler import CompiledDesign, compile_design
from questline.engine.mechanics import localize, reading_locale
from questline.processing.player_view import PlayerView, load_view
from questline.storage.players import find_player

__all__ = [
    "current_design",
    "design_for_reads",
    "find_player",
    "localize",
    "player_view",
    "reading_locale",
]

_EMPTY = compile_design({}, 0)


def current_design(context: Context, session: Session, app_id: int) -> CompiledDesign:
    """The current design; an app with none published reads as an empty design."""
    return context.designs.current(session, {app_id}).get(app_id) or _EMPTY


def design_for_reads(context: Context, session: Session, app_id: int) -> CompiledDesign:
    """`current_design` as a hot read sees it: which version is current is remembered for
    a moment (this process forgets it at publish), sparing a database trip."""
    return context.designs.current_for_reads(session, app_id) or _EMPTY


def player_view(context: Context, session: Session, app_id: int, player_id: str) -> PlayerView:
    player = find_player(session, app_id, player_id)
    return load_view(session, current_design(context, session, app_id), player, datetime.now(UTC))
