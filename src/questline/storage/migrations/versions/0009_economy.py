"""economy: purchases, inventories, boosts, units sold; what balances spent; ledger
entries linked to their purchase

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    target = referred.split(".")[0]
    return sa.ForeignKeyConstraint([column], [referred], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "offer_sales",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("offer", sa.String(length=100), nullable=False),
        sa.Column("sold", sa.BigInteger(), nullable=False),
        _fk("offer_sales", "app_id", "apps.id"),
        sa.PrimaryKeyConstraint("app_id", "offer", name=op.f("pk_offer_sales")),
    )
    op.create_table(
        "item_uses",
        sa.Column("id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.Column("used_at", _TIMESTAMP, nullable=False),
        _fk("item_uses", "app_id", "apps.id"),
        _fk("item_uses", "player_id", "players.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_uses")),
        sa.UniqueConstraint("app_id", "key", name=op.f("uq_item_uses_app_id_key")),
    )
    op.create_index("ix_item_uses_player_id", "item_uses", ["player_id", "id"])
    op.create_table(
        "purchases",
        sa.Column("id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("offer", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", _JSON, nullable=False),
        sa.Column("granted", _JSON, nullable=False),
        sa.Column("balances", _JSON, nullable=False),
        sa.Column("local_day", sa.String(length=16), nullable=False),
        sa.Column("local_week", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("refunded_at", _TIMESTAMP, nullable=True),
        sa.Column("refund", _JSON, nullable=True),
        _fk("purchases", "app_id", "apps.id"),
        _fk("purchases", "player_id", "players.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("app_id", "key", name=op.f("uq_purchases_app_id_key")),
    )
    op.create_index("ix_purchases_player_id", "purchases", ["player_id", "id"])
    op.create_index("ix_purchases_player_offer", "purchases", ["player_id", "offer"])
    op.create_table(
        "inventory_items",
        sa.Column("id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("purchase_id", _ID, nullable=True),
        sa.Column("granted_at", _TIMESTAMP, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=True),
        _fk("inventory_items", "app_id", "apps.id"),
        _fk("inventory_items", "player_id", "players.id"),
        _fk("inventory_items", "purchase_id", "purchases.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_items")),
    )
    op.create_index("ix_inventory_items_player", "inventory_items", ["player_id", "item"])
    op.create_index(op.f("ix_inventory_items_purchase_id"), "inventory_items", ["purchase_id"])
    op.create_table(
        "player_boosts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("boost", sa.String(length=100), nullable=False),
        sa.Column("factors", _JSON, nullable=False),
        sa.Column("starts_at", _TIMESTAMP, nullable=False),
        sa.Column("ends_at", _TIMESTAMP, nullable=False),
        sa.Column("purchase_id", _ID, nullable=True),
        sa.Column("use_id", _ID, nullable=True),
        _fk("player_boosts", "app_id", "apps.id"),
        _fk("player_boosts", "player_id", "players.id"),
        _fk("player_boosts", "purchase_id", "purchases.id"),
        _fk("player_boosts", "use_id", "item_uses.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_player_boosts")),
    )
    op.create_index("ix_player_boosts_player", "player_boosts", ["player_id", "ends_at"])
    op.create_index(op.f("ix_player_boosts_purchase_id"), "player_boosts", ["purchase_id"])
    # Added in place (no table copy on SQLite, where these tables can be large).
    op.add_column(
        "balances",
        sa.Column("spent", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; Alembic would copy the table.
        op.execute(
            "ALTER TABLE ledger_entries ADD COLUMN purchase_id INTEGER"
            " CONSTRAINT fk_ledger_entries_purchase_id_purchases REFERENCES purchases (id)"
        )
    else:
        op.add_column("ledger_entries", sa.Column("purchase_id", _ID, nullable=True))
        op.create_foreign_key(
            op.f("fk_ledger_entries_purchase_id_purchases"),
            "ledger_entries",
            "purchases",
            ["purchase_id"],
            ["id"],
        )
    op.create_index(
        "uq_ledger_entries_purchase",
        "ledger_entries",
        ["purchase_id", "cause", "currency"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_ledger_entries_purchase", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":  # SQLite drops it with the column
            batch_op.drop_constraint(
                op.f("fk_ledger_entries_purchase_id_purchases"), type_="foreignkey"
            )
        batch_op.drop_column("purchase_id")
    with op.batch_alter_table("balances", schema=None) as batch_op:
        batch_op.drop_column("spent")
    op.drop_index(op.f("ix_player_boosts_purchase_id"), table_name="player_boosts")
    op.drop_index("ix_player_boosts_player", table_name="player_boosts")
    op.drop_table("player_boosts")
    op.drop_index(op.f("ix_inventory_items_purchase_id"), table_name="inventory_items")
    op.drop_index("ix_inventory_items_player", table_name="inventory_items")
    op.drop_table("inventory_items")
    op.drop_index("ix_purchases_player_offer", table_name="purchases")
    op.drop_index("ix_purchases_player_id", table_name="purchases")
    op.drop_table("purchases")
    op.drop_index("ix_item_uses_player_id", table_name="item_uses")
    op.drop_table("item_uses")
    op.drop_table("offer_sales")
