"""leaderboards and leagues: board scores, runs, counts, hidden players; league
tiers, groups and entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import questline.storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PLAYER_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leaderboard_scores",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("board", sa.String(length=63), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("player_id", _PLAYER_ID, nullable=False),
        sa.Column("partition", sa.String(length=200), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("score", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_leaderboard_scores_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_leaderboard_scores_player_id_players")
        ),
        sa.PrimaryKeyConstraint(
            "app_id", "board", "run", "player_id", name=op.f("pk_leaderboard_scores")
        ),
    )
    op.create_index(
        "ix_leaderboard_scores_rank",
        "leaderboard_scores",
        [
            "app_id",
            "board",
            "run",
            "hidden",
            "partition",
            sa.text("score DESC"),
            "seq",
            "player_id",
        ],
    )
    op.create_table(
        "leaderboard_runs",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("board", sa.String(length=63), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("starts_at", _TIMESTAMP, nullable=True),
        sa.Column("ends_at", _TIMESTAMP, nullable=True),
        sa.Column("finalized_at", _TIMESTAMP, nullable=True),
        sa.Column("players", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_leaderboard_runs_app_id_apps")
        ),
        sa.PrimaryKeyConstraint("app_id", "board", "run", name=op.f("pk_leaderboard_runs")),
    )
    op.create_table(
        "leaderboard_counts",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("board", sa.String(length=63), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("partition", sa.String(length=200), nullable=False),
        sa.Column("players", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_leaderboard_counts_app_id_apps")
        ),
        sa.PrimaryKeyConstraint(
            "app_id", "board", "run", "partition", name=op.f("pk_leaderboard_counts")
        ),
    )
    op.create_table(
        "leaderboard_buckets",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("board", sa.String(length=63), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("partition", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("players", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_leaderboard_buckets_app_id_apps")
        ),
        sa.PrimaryKeyConstraint(
            "app_id", "board", "run", "partition", "bucket", name=op.f("pk_leaderboard_buckets")
        ),
    )
    op.create_table(
        "leaderboard_hidden",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _PLAYER_ID, nullable=False),
        sa.Column("hidden_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_leaderboard_hidden_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_leaderboard_hidden_player_id_players")
        ),
        sa.PrimaryKeyConstraint("app_id", "player_id", name=op.f("pk_leaderboard_hidden")),
    )

    op.create_table(
        "league_members",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("player_id", _PLAYER_ID, nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_league_members_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_league_members_player_id_players")
        ),
        sa.PrimaryKeyConstraint("app_id", "player_id", name=op.f("pk_league_members")),
    )
    op.create_table(
        "league_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("finalized_at", _TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_league_groups_app_id_apps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_league_groups")),
    )
    op.create_index("ix_league_groups_open", "league_groups", ["app_id", "week", "tier", "id"])
    op.create_table(
        "league_entries",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("player_id", _PLAYER_ID, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_league_entries_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_league_entries_player_id_players")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["league_groups.id"],
            name=op.f("fk_league_entries_group_id_league_groups"),
        ),
        sa.PrimaryKeyConstraint("app_id", "week", "player_id", name=op.f("pk_league_entries")),
    )
    op.create_index("ix_league_entries_group_id", "league_entries", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_league_entries_group_id", table_name="league_entries")
    op.drop_table("league_entries")
    op.drop_index("ix_league_groups_open", table_name="league_groups")
    op.drop_table("league_groups")
    op.drop_table("league_members")
    op.drop_table("leaderboard_hidden")
    op.drop_table("leaderboard_counts")
    op.drop_table("leaderboard_buckets")
    op.drop_table("leaderboard_runs")
    op.drop_index("ix_leaderboard_scores_rank", table_name="leaderboard_scores")
    op.drop_table("leaderboard_scores")
