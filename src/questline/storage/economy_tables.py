"""The economy's tables: purchases, what players hold, boosts that run, units sold.

Balances and the ledger stay where they are (models/ledger.py): a purchase is ledger entries
like an award, linked to its purchase row, whose unique key (purchase, cause, currency)
makes a second debit for one purchase impossible whatever the code does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models import Base
from questline.storage.types import BigId

COMPLETED, REFUNDED = "completed", "refunded"


class Purchase(Base):
    """One purchase: what it cost, what it gave and the balances it left, kept so that a
    retry with the same id answers exactly what the first call answered."""

    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("app_id", "key"),
        Index("ix_purchases_player_offer", "player_id", "offer"),
        Index("ix_purchases_player_id", "player_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(200))  # the client's idempotency key
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    offer: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[dict[str, Any]]  # currency -> amount paid in all
    granted: Mapped[dict[str, Any]]  # items, streak freezes, boost, currencies
    balances: Mapped[dict[str, Any]]  # currency -> balance after the purchase
    # The player's local day and ISO week when they bought (period keys): limits count
    # the purchases of the period that are not refunded.
    local_day: Mapped[str] = mapped_column(String(16))
    local_week: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # completed | refunded
    config_version: Mapped[int]
    actor: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime]
    refunded_at: Mapped[datetime | None]
    refund: Mapped[dict[str, Any] | None]  # what the refund gave back and took back


class InventoryItem(Base):
    """Units of an item granted to a player at once (by one purchase), with what is left
    of them. Expired units are not held; used ones are gone."""

    __tablename__ = "inventory_items"
    __table_args__ = (Index("ix_inventory_items_player", "player_id", "item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    item: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"), index=True)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]


class ItemUse(Base):
    """A use of an item from the inventory; its key makes a retried use count once."""

    __tablename__ = "item_uses"
    __table_args__ = (
        UniqueConstraint("app_id", "key"),
        Index("ix_item_uses_player_id", "player_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(200))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    item: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict[str, Any]]  # what the use did (a boost started), left and held
    actor: Mapped[str] = mapped_column(String(400))
    used_at: Mapped[datetime]


class PlayerBoost(Base):
    """A boost's window for one player: started by a purchase or by using an item."""

    __tablename__ = "player_boosts"
    __table_args__ = (Index("ix_player_boosts_player", "player_id", "ends_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    boost: Mapped[str] = mapped_column(String(100))
    factors: Mapped[dict[str, Any]]  # currency -> factor, as exact text ("1.5")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"), index=True)
    use_id: Mapped[int | None] = mapped_column(ForeignKey("item_uses.id"))


class OfferSales(Base):
    """Units of an offer sold to everyone, refunds given back: what its stock counts."""

    __tablename__ = "offer_sales"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    offer: Mapped[str] = mapped_column(String(100), primary_key=True)
    sold: Mapped[int] = mapped_column(BigInteger)
