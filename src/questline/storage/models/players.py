"""Players, the append-only event log of what they did, and the catalog items events
may name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models.base import Base
from questline.storage.types import BigId


class Player(Base):
    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("app_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    avatar_url: Mapped[str | None] = mapped_column(String(2000))  # a picture the host app serves
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    locale: Mapped[str | None] = mapped_column(String(35))
    attributes: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]  # personal data removed on the player's request


class Event(Base):
    """The append-only event log. Only the processing columns are ever updated."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("app_id", "key"),
        Index("ix_events_player_seq", "player_id", "seq"),
        Index(
            "ix_events_pending",
            "seq",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(200))  # the client's idempotency key
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]]
    item_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # pending | processed | failed
    processed_at: Mapped[datetime | None]
    config_version: Mapped[int | None]
    effects: Mapped[list[Any] | None]
    error: Mapped[str | None] = mapped_column(Text)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(63))
    attributes: Mapped[dict[str, Any]]
    names: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
