"""published versions name the dry run they were checked with

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("config_versions", sa.Column("dry_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("config_versions") as batch:
        batch.drop_column("dry_run_id")
