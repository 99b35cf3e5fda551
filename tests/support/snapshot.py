"""Every row of every table, to show that an operation changed nothing."""

from __future__ import annotations

from sqlalchemy import select

from questline.storage.database import Database
from questline.storage.models import Base


def database_rows(database: Database) -> dict[str, list[str]]:
    with database.reader() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }
