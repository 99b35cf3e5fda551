"""The ledger and the balances it projects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models.base import CLUSTERED, Base
from questline.storage.types import BigId


class LedgerEntry(Base):
    """Append-only. The unique key makes a second award for one event impossible."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("event_seq", "cause_id", "currency"),
        Index("ix_ledger_entries_player_id", "player_id", "id"),
        # A unique index rather than a constraint: SQLite adds one without copying the table.
        Index("uq_ledger_entries_purchase", "purchase_id", "cause", "currency", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    currency: Mapped[str] = mapped_column(String(63))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    # rule | achievement | quest | manual | purchase | refund
    cause: Mapped[str] = mapped_column(String(16))
    cause_id: Mapped[str] = mapped_column(String(100))
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    # A purchase's debits, the currencies it gave, and their refund.
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"))
    config_version: Mapped[int | None]
    explanation: Mapped[str] = mapped_column(Text)
    breakdown: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Balance(Base):
    __tablename__ = "balances"
    __table_args__ = (CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(63), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)
    earned: Mapped[int] = mapped_column(BigInteger)
    # Paid for purchases, less what refunds gave back (the worker never writes it).
    spent: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
