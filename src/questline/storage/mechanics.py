"""Queries about achievement awards, streak freezes and quests, for the read routes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from questline.storage.models import (
    AchievementAward,
    Player,
    QuestCompletion,
    QuestJoin,
    StreakFreezeUse,
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


# Read with every streak shown (the dashboard's among them): built once, since building
# and keying a statement cost more than running it, and of the table's columns (rows cost
# a third of what mapped objects do to load).
_FREEZE_USE = StreakFreezeUse.__table__.c
_FREEZE_USES = (
    select(_FREEZE_USE.key, _FREEZE_USE.covered, _FREEZE_USE.used_at)
    .where(_FREEZE_USE.player_id == bindparam("player_id"))
    .order_by(_FREEZE_USE.covered.desc())
)
_STREAK_FREEZE_USES = _FREEZE_USES.where(_FREEZE_USE.key == bindparam("key"))


def freeze_uses(
    session: Session, player_id: int, key: str | None = None, per_streak: int = 30
) -> dict[str, list[tuple[date, datetime]]]:
    """streak -> (covered, used_at) of its freezes, newest first."""
    statement = _FREEZE_USES if key is None else _STREAK_FREEZE_USES
    found: dict[str, list[tuple[date, datetime]]] = {}
    for streak, covered, used_at in session.execute(
        statement, {"player_id": player_id, "key": key}
    ):
        uses = found.setdefault(streak, [])
        if len(uses) < per_streak:
            uses.append((covered, used_at))
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
