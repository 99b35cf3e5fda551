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

    def executemany(self, text: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            self.session.connection().exec_driver_sql(self.sql(text), list(rows))
