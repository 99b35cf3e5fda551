"""The module's tables, on the shared declarative base so that migrations see them.

`notifications` is both the inbox and the outbox of live streams: a stream reads it by
id, and a player's ids commit in increasing order because every writer of a player's
notifications holds that player's lock (the worker's batch lock, or `lock_players`).
`webhook_deliveries` is the outbox of webhooks: one row per message and endpoint,
written in the same transaction as what caused it, sent after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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

from questline.storage.models import Base
from questline.storage.types import BigId


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("player_id", "dedupe_key"),
        Index("ix_notifications_player_id", "player_id", "id"),
        Index(
            "ix_notifications_unread",
            "player_id",
            "id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    kind: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    push: Mapped[bool] = mapped_column(Boolean)
    event_seq: Mapped[int | None] = mapped_column(BigInteger)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class Device(Base):
    """A player's device, for host apps that push through their own provider."""

    __tablename__ = "devices"

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    platform: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(4096))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[Any]]
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean)
    # Set at the first failure after a success; a day of failures disables the endpoint.
    failing_since: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One message to one endpoint, and its last attempt. `message_id` is the
    `webhook-id` header: the same on every attempt, so receivers deduplicate by it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_player_id", "player_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    player_id: Mapped[int | None] = mapped_column(ForeignKey("players.id"))
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)  # the exact body, signed on each attempt
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    latency_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
