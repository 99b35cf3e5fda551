"""Persistence: SQLAlchemy models, the database handle and repositories."""

# The economy's tables live in a module of their own, on the same metadata: importing
# any part of storage registers them, so that Alembic and foreign keys always see them.
from questline.storage import economy_tables as economy_tables
