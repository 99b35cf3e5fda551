"""achievements, streaks and quests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quest_joins",
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quest", sa.String(length=100), nullable=False),
        sa.Column("joined_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_quest_joins_player_id_players")
        ),
        sa.PrimaryKeyConstraint("player_id", "quest", name=op.f("pk_quest_joins")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "streaks",
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=63), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("longest", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("last_on", sa.Date(), nullable=True),
        sa.Column("last_zone", sa.String(length=64), nullable=True),
        sa.Column("freezes", sa.Integer(), nullable=False),
        sa.Column("since_grant", sa.Integer(), nullable=False),
        sa.Column("broken_length", sa.Integer(), nullable=False),
        sa.Column("broken_started_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_streaks_player_id_players")
        ),
        sa.PrimaryKeyConstraint("player_id", "key", name=op.f("pk_streaks")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "achievement_awards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("achievement", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.String(length=31), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column(
            "rewards",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "breakdown",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("event_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("awarded_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_achievement_awards_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["event_seq"], ["events.seq"], name=op.f("fk_achievement_awards_event_seq_events")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_achievement_awards_player_id_players")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_awards")),
        sa.UniqueConstraint(
            "app_id",
            "player_id",
            "achievement",
            "tier",
            "period",
            name="uq_achievement_awards_once",
        ),
    )
    with op.batch_alter_table("achievement_awards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_achievement_awards_holders", ["app_id", "achievement", "tier"], unique=False
        )

    op.create_table(
        "quest_completions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quest", sa.String(length=100), nullable=False),
        sa.Column("instance", sa.String(length=16), nullable=False),
        sa.Column(
            "objectives",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "rewards",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("event_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "completed_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_quest_completions_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["event_seq"], ["events.seq"], name=op.f("fk_quest_completions_event_seq_events")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_quest_completions_player_id_players")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quest_completions")),
        sa.UniqueConstraint(
            "player_id",
            "quest",
            "instance",
            name=op.f("uq_quest_completions_player_id_quest_instance"),
        ),
    )
    op.create_table(
        "streak_freeze_uses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=63), nullable=False),
        sa.Column("covered", sa.Date(), nullable=False),
        sa.Column("event_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("used_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"], ["events.seq"], name=op.f("fk_streak_freeze_uses_event_seq_events")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_streak_freeze_uses_player_id_players")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streak_freeze_uses")),
        sa.UniqueConstraint(
            "player_id", "key", "covered", name=op.f("uq_streak_freeze_uses_player_id_key_covered")
        ),
    )


def downgrade() -> None:
    op.drop_table("streak_freeze_uses")
    op.drop_table("quest_completions")
    with op.batch_alter_table("achievement_awards", schema=None) as batch_op:
        batch_op.drop_index("ix_achievement_awards_holders")

    op.drop_table("achievement_awards")
    op.drop_table("streaks")
    op.drop_table("quest_joins")
