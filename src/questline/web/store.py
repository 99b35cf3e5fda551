"""The pages' own queries (everything else they show comes through the API's read
functions)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questline.storage.models import LedgerEntry, Player


def busiest_player(session: Session, app_id: int) -> str | None:
    """The player of the app with the most balance changes: the demo's one to show."""
    return session.scalar(
        select(Player.external_id)
        .join(LedgerEntry, LedgerEntry.player_id == Player.id)
        .where(Player.app_id == app_id)
        .group_by(Player.id, Player.external_id)
        .order_by(func.count().desc(), Player.external_id)
        .limit(1)
    )
