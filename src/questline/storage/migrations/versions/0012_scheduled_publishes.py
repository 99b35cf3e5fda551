"""scheduled publishes: a design published at a future time, withdrawn at a later one

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scheduled_publishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("starts_at", _TIMESTAMP, nullable=False),
        sa.Column("ends_at", _TIMESTAMP, nullable=True),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("started_version", sa.Integer(), nullable=True),
        sa.Column("ended_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_scheduled_publishes_app_id_apps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_publishes")),
    )
    op.create_index(
        op.f("ix_scheduled_publishes_app_id"), "scheduled_publishes", ["app_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_publishes_app_id"), table_name="scheduled_publishes")
    op.drop_table("scheduled_publishes")
