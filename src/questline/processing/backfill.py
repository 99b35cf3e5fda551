"""Backfill: after a new design version adds an achievement or lowers a target, award
it to the players who already qualify. Run it after publishing (`questline backfill`
or POST /v1/achievements/backfill); it is safe to run again and again.

It only adds: what a player was awarded stays awarded, whatever the new design says.
Each player is settled in a transaction of its own, with the player's row locked
(PostgreSQL) or the write lock held (SQLite), so it never races the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import select

from questline.engine.effects import Effect, Effects, apply_effect
from questline.engine.mechanic_effects import AchievementUnlocked
from questline.engine.progression import unlock_achievements
from questline.engine.reader import StateReader
from questline.processing.batch import Batch
from questline.processing.designs import DesignCache
from questline.processing.player_view import load_view
from questline.storage.database import Database
from questline.storage.models import Player


@dataclass(frozen=True)
class BackfillReport:
    players: int  # players looked at
    awarded: int  # achievements (tiers, periods) newly awarded
    rewarded: tuple[int, ...]  # the players who received something
    config_version: int | None


class _Source(NamedTuple):
    app_id: int
    player_id: int
    seq: int | None


def backfill_achievements(database: Database, designs: DesignCache, app_id: int) -> BackfillReport:
    with database.reader() as session:
        design = designs.current(session, {app_id}).get(app_id)
        ids = list(
            session.scalars(select(Player.id).where(Player.app_id == app_id).order_by(Player.id))
        )
    if design is None or not design.achievements:
        return BackfillReport(len(ids), 0, (), design.version if design else None)
    awarded = 0
    rewarded: list[int] = []
    for player_id in ids:
        with database.transaction() as session:
            lock = select(Player).where(Player.id == player_id)
            if session.get_bind().dialect.name == "postgresql":
                lock = lock.with_for_update()
            player = session.scalars(lock).one()
            view = load_view(session, design, player, datetime.now(UTC))
            found = _unlock(view.reader)
            if not found:
                continue
            awarded += sum(isinstance(e, AchievementUnlocked) for e in found)
            rewarded.append(player_id)
            batch = Batch()
            batch.states = {player_id: view.state}
            effects = Effects(0, design.version, tuple(found))
            batch.track(_Source(app_id, player_id, None), effects)
            batch.write(session)
    return BackfillReport(len(ids), awarded, tuple(rewarded), design.version)


def _unlock(reader: StateReader) -> list[Effect]:
    found: list[Effect] = []

    def emit(effect: Effect) -> None:
        apply_effect(reader.state, effect)
        found.append(effect)

    unlock_achievements(reader, emit)
    return found
