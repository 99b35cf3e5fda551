"""Plain DB-API executemany for the worker's hot writes.

The worker writes thousands of rows per batch; SQLAlchemy's per-row parameter
processing cost more than the database itself. These statements are the same on
SQLite and PostgreSQL except for placeholders, JSON casts and timestamps, which is
all this module translates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.storage.types import dumps_json

_JSON = "?json"
_PLACEHOLDER = re.compile(r"IN \?list|\?(?!json)")


class BulkWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def sql(self, text: str) -> str:
        if self.postgres:  # psycopg's placeholders are %s, so a literal % is written %%
            return text.replace("%", "%%").replace(_JSON, "%s::jsonb").replace("?", "%s")
        return text.replace(_JSON, "?")

    def timestamp(self, value: datetime) -> Any:
        # Stored the way the UTCDateTime column type stores it, so reads agree.
        if self.postgres:
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    @staticmethod
    def json(value: Any) -> str:
        return dumps_json(value)

    def fetch(self, text: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a query. Its placeholders take `params` in order: `?` one value, and
        `IN ?list` a list of values."""
        values: list[Any] = []
        pieces = _PLACEHOLDER.split(text)
        markers = _PLACEHOLDER.findall(text)
        if len(markers) != len(params):
            raise ValueError(f"{len(markers)} placeholders, {len(params)} parameters")
        text = pieces[0]
        for marker, param, piece in zip(markers, params, pieces[1:], strict=True):
            if marker == "?":
                text += "?"
                values.append(param)
            elif self.postgres:
                text += "= ANY(?)"
                values.append(list(param))
            else:
                text += f"IN ({', '.join('?' * len(param))})"
                values.extend(param)
            text += piece
        params = tuple(values)
        result = self.session.connection().exec_driver_sql(self.sql(text), params)
        # The driver's own fetchall: SQLAlchemy's row-by-row iteration cost more than
        # the query for the thousands of rows a batch reads.
        rows = list(result.cursor.fetchall())
        result.close()
        return rows

    def insert_returning(
        self, head: str, values: str, tail: str, rows: Sequence[tuple[Any, ...]], chunk: int = 500
    ) -> list[tuple[Any, ...]]:
        """`head VALUES values, values, … tail` in chunks of multi-row INSERTs, returning
        what `tail`'s RETURNING clause asks for (executemany cannot return rows)."""
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            text = f"{head} VALUES {', '.join([values] * len(part))} {tail}"
            params = tuple(value for row in part for value in row)
            result = self.session.connection().exec_driver_sql(self.sql(text), params)
            found.extend(result.cursor.fetchall())
            result.close()
        return found

    def executemany(self, text: str, rows: Sequence[tuple[Any, ...]]) -> int:
        """Run one statement for many rows; returns the number of rows it affected."""
        if not rows:
            return 0
        result = self.session.connection().exec_driver_sql(self.sql(text), list(rows))
        return int(result.rowcount)


def as_utc(value: object) -> datetime | None:
    """A timestamp read through the driver: SQLite hands back text, PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
