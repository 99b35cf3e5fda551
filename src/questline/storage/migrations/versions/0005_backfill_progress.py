"""config versions: the progress of their achievement backfill

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import questline.storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIMESTAMP = questline.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("config_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backfill_alive_at", _TIMESTAMP, nullable=True))
        batch_op.add_column(sa.Column("backfilled_at", _TIMESTAMP, nullable=True))
    # Versions published before this schema count as backfilled: their backfill ran after
    # the publish, and `questline backfill` reruns one by hand.
    op.execute("UPDATE config_versions SET backfilled_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("config_versions", schema=None) as batch_op:
        batch_op.drop_column("backfilled_at")
        batch_op.drop_column("backfill_alive_at")
