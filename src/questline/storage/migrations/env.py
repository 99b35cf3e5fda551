"""Alembic environment: runs with the connection handed over by questline.storage.schema."""

from __future__ import annotations

from alembic import context

import questline.analytics.tables
import questline.learning.tables
import questline.notifications.tables
import questline.social.tables  # noqa: F401  (the modules' tables, on the same Base)
from questline.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
