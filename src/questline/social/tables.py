"""The module's tables, on the shared declarative base (so Alembic sees them).

Follows carry their own increasing id so that the lists page newest first with a stable
cursor. Activity entries are read newest first by id, per player (a profile) and per
circle of followed players (the feed, fanned out on read: see docs/operations.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models import Base
from questline.storage.types import BigId


class FollowRow(Base):
    __tablename__ = "social_follows"
    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id"),
        Index("ix_social_follows_follower", "follower_id", "id"),
        Index("ix_social_follows_followee", "followee_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    follower_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    created_at: Mapped[datetime]


class BlockRow(Base):
    __tablename__ = "social_blocks"
    __table_args__ = (Index("ix_social_blocks_blocked", "blocked_id", "blocker_id"),)

    blocker_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    created_at: Mapped[datetime]


class ProfileRow(Base):
    """A player's social settings; no row is a public profile."""

    __tablename__ = "social_profiles"

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    private: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class EntryRow(Base):
    """One public thing a player did ("reached level 5"): what it was, not how it reads —
    the words are made at read time, in the reader's locale, from the design's templates."""

    __tablename__ = "activity_entries"
    __table_args__ = (Index("ix_activity_entries_player", "player_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    kind: Mapped[str] = mapped_column(String(63))
    data: Mapped[dict[str, Any]]
    event_seq: Mapped[int | None] = mapped_column(BigInteger)
    cheers: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CheerRow(Base):
    __tablename__ = "activity_cheers"
    __table_args__ = (Index("ix_activity_cheers_player", "player_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("activity_entries.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    created_at: Mapped[datetime]
