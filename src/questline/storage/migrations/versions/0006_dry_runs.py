"""dry runs: replays of the event log through a draft design

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dry_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("since", _TIMESTAMP, nullable=True),
        sa.Column("players", _JSON, nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.Column("players_total", sa.Integer(), nullable=True),
        sa.Column("players_done", sa.Integer(), nullable=False),
        sa.Column("report", _JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_dry_runs_app_id_apps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dry_runs")),
    )
    op.create_index(op.f("ix_dry_runs_app_id"), "dry_runs", ["app_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dry_runs_app_id"), table_name="dry_runs")
    op.drop_table("dry_runs")
