"""Leaderboards and leagues: scores per board run, runs, rank buckets and counts, the
players who opted out, and league tiers, groups and entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models.base import Base


class LeaderboardScore(Base):
    """A player's score in one run of one board: a projection of processed events,
    written in the transaction that processes them. `seq` is the event that last
    changed the score — the tie-break "first to reach the score ranks higher"."""

    __tablename__ = "leaderboard_scores"
    __table_args__ = (
        Index(
            "ix_leaderboard_scores_rank",
            "app_id",
            "board",
            "run",
            "hidden",
            "partition",
            text("score DESC"),
            "seq",
            "player_id",
        ),
    )

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200))  # "" unless partitioned
    hidden: Mapped[bool] = mapped_column(Boolean)  # the player opted out: on no board
    score: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)


class LeaderboardRun(Base):
    """A board's period. Finalized once, when it has ended: its standings are frozen."""

    __tablename__ = "leaderboard_runs"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    players: Mapped[int | None] = mapped_column(BigInteger)  # counted when finalized


class LeaderboardBucket(Base):
    """How many visible players of a board run score within each bucket of scores
    (see leaderboards/buckets.py): ranks without counting the whole board."""

    __tablename__ = "leaderboard_buckets"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    players: Mapped[int] = mapped_column(BigInteger)


class LeaderboardHidden(Base):
    """Players who opted out of leaderboards: kept off every board, ranks of others close up."""

    __tablename__ = "leaderboard_hidden"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    hidden_at: Mapped[datetime]


class LeaderboardCount(Base):
    """How many players are on a board run (per partition, hidden players not counted)."""

    __tablename__ = "leaderboard_counts"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200), primary_key=True)
    players: Mapped[int] = mapped_column(BigInteger)


class LeagueMember(Base):
    """A player's league tier, carried from week to week."""

    __tablename__ = "league_members"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    tier: Mapped[int]


class LeagueGroup(Base):
    """A cohort of one tier in one league week. Finalized once, at the rollover."""

    __tablename__ = "league_groups"
    __table_args__ = (Index("ix_league_groups_open", "app_id", "week", "tier", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    week: Mapped[str] = mapped_column(String(10))
    tier: Mapped[int]
    size: Mapped[int]
    finalized_at: Mapped[datetime | None]


class LeagueEntry(Base):
    """A player's week in a group: their score, then their final rank and outcome."""

    __tablename__ = "league_entries"
    __table_args__ = (Index("ix_league_entries_group_id", "group_id"),)

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("league_groups.id"))
    score: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # promoted | demoted | stayed
