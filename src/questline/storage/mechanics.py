"""Queries about achievement awards, streak freezes and quests, for the read routes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questline.storage.bulk import BulkWriter, as_date, as_utc
from questline.storage.models import (
    AchievementAward,
    Player,
    QuestCompletion,
    QuestJoin,
)


def rarity(session: Session, app_id: int) -> dict[tuple[str, str], float]:
    """(achievement, tier) -> the share of the app's players who hold it."""
    players = session.scalar(select(func.count()).where(Player.app_id == app_id)) or 0
    if players == 0:
        return {}
    rows = session.execute(
        select(
            AchievementAward.achievement,
            AchievementAward.tier,
            func.count(func.distinct(AchievementAward.player_id)),
        )
        .where(AchievementAward.app_id == app_id)
        .group_by(AchievementAward.achievement, AchievementAward.tier)
    )
    return {(a, t): round(n / players, 4) for a, t, n in rows}


def awards_of(session: Session, player_id: int) -> list[tuple[str, str, str, datetime]]:
    """Every award of a player: (achievement, tier, period, awarded_at), oldest first."""
    rows = session.execute(
        select(
            AchievementAward.achievement,
            AchievementAward.tier,
            AchievementAward.period,
            AchievementAward.awarded_at,
        )
        .where(AchievementAward.player_id == player_id)
        .order_by(AchievementAward.id)
    )
    return [(a, t, p, at) for a, t, p, at in rows]


# Read with every streak shown (the dashboard's among them), straight through the driver:
# SQLAlchemy's statement and row machinery cost several times the query.
_FREEZE_USES = "SELECT key, covered, used_at FROM streak_freeze_uses WHERE player_id = ?"
_NEWEST_FIRST = " ORDER BY covered DESC"


def freeze_uses(
    session: Session, player_id: int, key: str | None = None, per_streak: int = 30
) -> dict[str, list[tuple[date, datetime]]]:
    """streak -> (covered, used_at) of its freezes, newest first."""
    bulk = BulkWriter(session)
    if key is None:
        rows = bulk.fetch(_FREEZE_USES + _NEWEST_FIRST, player_id)
    else:
        rows = bulk.fetch(_FREEZE_USES + " AND key = ?" + _NEWEST_FIRST, player_id, key)
    found: dict[str, list[tuple[date, datetime]]] = {}
    for streak, covered, used_at in rows:
        uses = found.setdefault(streak, [])
        day, at = as_date(covered), as_utc(used_at)
        assert day is not None  # both columns are NOT NULL
        assert at is not None
        if len(uses) < per_streak:
            uses.append((day, at))
    return found


def completions_of(session: Session, player_id: int) -> dict[tuple[str, str], datetime]:
    """(quest, instance) -> when the player completed it."""
    rows = session.execute(
        select(QuestCompletion.quest, QuestCompletion.instance, QuestCompletion.completed_at).where(
            QuestCompletion.player_id == player_id
        )
    )
    return {(quest, instance): at for quest, instance, at in rows}


def has_joined(session: Session, player_id: int, quest: str) -> bool:
    return session.get(QuestJoin, (player_id, quest)) is not None


def join(session: Session, player_id: int, quest: str, at: datetime) -> None:
    session.add(QuestJoin(player_id=player_id, quest=quest, joined_at=at))
    session.flush()
