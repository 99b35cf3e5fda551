"""Plain DB-API executemany for the worker's hot writes.

The worker writes thousands of rows per batch; SQLAlchemy's per-row parameter
processing cost more than the database itself. These statements are the same on
SQLite and PostgreSQL except for placeholders, JSON casts and timestamps, which is
all this module translates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.storage.types import dumps_json

_JSON = "?json"


class BulkWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def sql(self, text: str) -> str:
        if self.postgres:
            return text.replace(_JSON, "%s::jsonb").replace("?", "%s")
        return text.replace(_JSON, "?")

    def timestamp(self, value: datetime) -> Any:
        # Stored the way the UTCDateTime column type stores it, so reads agree.
        if self.postgres:
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    @staticmethod
    def json(value: Any) -> str:
        return dumps_json(value)

    def fetch(self, text: str, *lists: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run a query whose `IN ?list` markers take the given lists, in order."""
        params: list[Any] = []
        for values in lists:
            if self.postgres:
                text = text.replace("IN ?list", "= ANY(?)", 1)
                params.append(list(values))
            else:
                text = text.replace("IN ?list", f"IN ({', '.join('?' * len(values))})", 1)
                params.extend(values)
        result = self.session.connection().exec_driver_sql(self.sql(text), tuple(params))
        # The driver's own fetchall: SQLAlchemy's row-by-row iteration cost more than
        # the query for the thousands of rows a batch reads.
        rows = list(result.cursor.fetchall())
        result.close()
        return rows

    def executemany(self, text: str, rows: Sequence[tuple[Any, ...]]) -> int:
        """Run one statement for many rows; returns the number of rows it affected."""
        if not rows:
            return 0
        result = self.session.connection().exec_driver_sql(self.sql(text), list(rows))
        return int(result.rowcount)
