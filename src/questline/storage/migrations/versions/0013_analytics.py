"""analytics: daily rollups of events, awards and active players; snapshots of
current-state distributions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _app(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f(f"fk_{table}_app_id_apps"))


def upgrade() -> None:
    op.create_table(
        "analytics_counts",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=63), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        _app("analytics_counts"),
        sa.PrimaryKeyConstraint("app_id", "figure", "day", "key", name=op.f("pk_analytics_counts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_activity",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("period", sa.String(length=5), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        _app("analytics_activity"),
        sa.PrimaryKeyConstraint(
            "app_id", "player_id", "period", "start", name=op.f("pk_analytics_activity")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_players",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        _app("analytics_players"),
        sa.PrimaryKeyConstraint("app_id", "player_id", name=op.f("pk_analytics_players")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_snapshots",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=16), nullable=False),
        sa.Column("as_of", _TIMESTAMP, nullable=False),
        sa.Column("data", _JSON, nullable=False),
        _app("analytics_snapshots"),
        sa.PrimaryKeyConstraint("app_id", "figure", name=op.f("pk_analytics_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("analytics_snapshots")
    op.drop_table("analytics_players")
    op.drop_table("analytics_activity")
    op.drop_table("analytics_counts")
