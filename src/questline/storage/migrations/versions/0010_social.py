"""social: follows, blocks, private profiles, activity entries and cheers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _app(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f(f"fk_{table}_app_id_apps"))


def _player(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["players.id"], name=op.f(f"fk_{table}_{column}_players")
    )


def upgrade() -> None:
    op.create_table(
        "social_follows",
        sa.Column("id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("follower_id", _ID, nullable=False),
        sa.Column("followee_id", _ID, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _app("social_follows"),
        _player("social_follows", "follower_id"),
        _player("social_follows", "followee_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_follows")),
        sa.UniqueConstraint(
            "follower_id",
            "followee_id",
            name=op.f("uq_social_follows_follower_id_followee_id"),
        ),
    )
    op.create_index("ix_social_follows_follower", "social_follows", ["follower_id", "id"])
    op.create_index("ix_social_follows_followee", "social_follows", ["followee_id", "id"])
    op.create_table(
        "social_blocks",
        sa.Column("blocker_id", _ID, nullable=False),
        sa.Column("blocked_id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _app("social_blocks"),
        _player("social_blocks", "blocker_id"),
        _player("social_blocks", "blocked_id"),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_social_blocks")),
    )
    op.create_index("ix_social_blocks_blocked", "social_blocks", ["blocked_id", "blocker_id"])
    op.create_table(
        "social_profiles",
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        _app("social_profiles"),
        _player("social_profiles", "player_id"),
        sa.PrimaryKeyConstraint("player_id", name=op.f("pk_social_profiles")),
    )
    op.create_table(
        "activity_entries",
        sa.Column("id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=63), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=True),
        sa.Column("cheers", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _app("activity_entries"),
        _player("activity_entries", "player_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_entries")),
    )
    op.create_index("ix_activity_entries_player", "activity_entries", ["player_id", "id"])
    op.create_table(
        "activity_cheers",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _app("activity_cheers"),
        _player("activity_cheers", "player_id"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["activity_entries.id"],
            name=op.f("fk_activity_cheers_entry_id_activity_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "player_id", name=op.f("pk_activity_cheers")),
    )
    op.create_index("ix_activity_cheers_player", "activity_cheers", ["player_id"])


def downgrade() -> None:
    op.drop_index("ix_activity_cheers_player", table_name="activity_cheers")
    op.drop_table("activity_cheers")
    op.drop_index("ix_activity_entries_player", table_name="activity_entries")
    op.drop_table("activity_entries")
    op.drop_table("social_profiles")
    op.drop_index("ix_social_blocks_blocked", table_name="social_blocks")
    op.drop_table("social_blocks")
    op.drop_index("ix_social_follows_followee", table_name="social_follows")
    op.drop_index("ix_social_follows_follower", table_name="social_follows")
    op.drop_table("social_follows")
