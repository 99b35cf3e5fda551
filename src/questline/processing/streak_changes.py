"""Changes to a streak made outside event processing: an administrator's restore, and
freezes granted by the host app (a purchase, a gift).

Each locks the player's row first (PostgreSQL), as the worker does before it reads a
player's streaks, so neither can overwrite the other while events for the player are
still appended; on SQLite the write lock does the same, and a worker batch scored on an
older snapshot is redone (see MechanicsRows).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.engine import streaks
from questline.engine.mechanics_compiler import CompiledStreak
from questline.engine.state import StreakState
from questline.processing.mechanics_rows import streak_from_row, upsert_streaks
from questline.storage.bulk import BulkWriter
from questline.storage.models import Player, StreakRow


def lock_streak(session: Session, player_id: int, key: str) -> StreakState | None:
    """The player's streak, read under the player's lock (None if never started)."""
    if session.get_bind().dialect.name == "postgresql":
        # The workers' lock (worker.py): it excludes them, not appends of events.
        lock = select(Player.id).where(Player.id == player_id).with_for_update(key_share=True)
        session.execute(lock)
    row = session.execute(
        select(
            StreakRow.current,
            StreakRow.longest,
            StreakRow.started_on,
            StreakRow.last_on,
            StreakRow.last_zone,
            StreakRow.freezes,
            StreakRow.since_grant,
            StreakRow.broken_length,
            StreakRow.broken_started_on,
        ).where(StreakRow.player_id == player_id, StreakRow.key == key)
    ).one_or_none()
    return None if row is None else streak_from_row(tuple(row))


def restore(session: Session, player_id: int, key: str) -> tuple[StreakState, StreakState]:
    """(before, after). Raises streaks.NothingToRestore."""
    held = lock_streak(session, player_id, key)
    if held is None:
        raise streaks.NothingToRestore("this streak has never started")
    restored = streaks.restore(held)
    upsert_streaks(BulkWriter(session), [(player_id, key, restored)])
    return held, restored


def grant_freezes(
    session: Session, player_id: int, streak: CompiledStreak, count: int, reason: str
) -> tuple[int, StreakState]:
    """(freezes actually added, the streak after): never above the streak's maximum."""
    held = lock_streak(session, player_id, streak.key) or StreakState()
    granted = streaks.grant_freezes(streak, held, count, reason)
    upsert_streaks(BulkWriter(session), [(player_id, streak.key, granted.state)])
    return granted.count, granted.state
