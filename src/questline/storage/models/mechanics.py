"""What the game mechanics keep per player: metric counters, rule state, achievement
awards, streaks (and the freezes spent on them) and quests (joined and completed).

An award's unique key is what makes a second award of the same (achievement, tier,
period) impossible, whatever the processing does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models.base import CLUSTERED, Base
from questline.storage.types import BigId


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class RuleState(Base):
    __tablename__ = "rule_states"
    __table_args__ = (CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_fired_at: Mapped[datetime]


class AchievementAward(Base):
    __tablename__ = "achievement_awards"
    __table_args__ = (
        UniqueConstraint(
            "app_id",
            "player_id",
            "achievement",
            "tier",
            "period",
            name="uq_achievement_awards_once",
        ),
        Index("ix_achievement_awards_holders", "app_id", "achievement", "tier"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    achievement: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(31))  # "" for an achievement without tiers
    period: Mapped[str] = mapped_column(String(16))  # "all", or the day or week it repeats in
    value: Mapped[int] = mapped_column(BigInteger)
    target: Mapped[int] = mapped_column(BigInteger)
    rewards: Mapped[dict[str, Any]]
    breakdown: Mapped[dict[str, Any]]
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    config_version: Mapped[int | None]
    awarded_at: Mapped[datetime]


class StreakRow(Base):
    __tablename__ = "streaks"
    __table_args__ = (CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    current: Mapped[int]
    longest: Mapped[int]
    started_on: Mapped[date | None] = mapped_column(Date)
    last_on: Mapped[date | None] = mapped_column(Date)
    last_zone: Mapped[str | None] = mapped_column(String(64))
    freezes: Mapped[int]
    since_grant: Mapped[int]
    broken_length: Mapped[int]
    broken_started_on: Mapped[date | None] = mapped_column(Date)


class StreakFreezeUse(Base):
    """A freeze spent on a missed period: which one it covered, and when."""

    __tablename__ = "streak_freeze_uses"
    __table_args__ = (UniqueConstraint("player_id", "key", "covered"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    key: Mapped[str] = mapped_column(String(63))
    covered: Mapped[date] = mapped_column(Date)
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    used_at: Mapped[datetime]


class QuestCompletion(Base):
    __tablename__ = "quest_completions"
    __table_args__ = (UniqueConstraint("player_id", "quest", "instance"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    quest: Mapped[str] = mapped_column(String(100))
    instance: Mapped[str] = mapped_column(String(16))
    objectives: Mapped[dict[str, Any]]
    rewards: Mapped[dict[str, Any]]
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    completed_at: Mapped[datetime]


class QuestJoin(Base):
    __tablename__ = "quest_joins"
    __table_args__ = (CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    quest: Mapped[str] = mapped_column(String(100), primary_key=True)
    joined_at: Mapped[datetime]
