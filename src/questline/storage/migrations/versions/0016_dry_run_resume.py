"""dry runs note that they are alive, and which attempt at running them writes the row

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import questline.storage.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("dry_runs") as batch:
        batch.add_column(sa.Column("alive_at", _TIMESTAMP, nullable=True))
        batch.add_column(
            sa.Column("attempt", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("dry_runs") as batch:
        batch.drop_column("attempt")
        batch.drop_column("alive_at")
