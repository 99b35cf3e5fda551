"""Plain DB-API executemany for the worker's hot writes.

The worker writes thousands of rows per batch; SQLAlchemy's per-row parameter
processing cost more than the database itself. These statements are the same on
SQLite and PostgreSQL except for placeholders, JSON casts and timestamps, which is
all this module translates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from questline.storage.types import dumps_json

_JSON = "?json"
_PLACEHOLDER = re.compile(r"IN \?list|\?(?!json)")


class BulkWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def sql(self, text: str) -> str:
        return _in_dialect(text, self.postgres)

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
        whole, pieces, lists = _parsed(text, self.postgres)
        if len(lists) != len(params):
            raise ValueError(f"{len(lists)} placeholders, {len(params)} parameters")
        if whole is not None:
            return driver_rows(self.session.connection(), whole, params)
        statement, values = pieces[0], []
        for piece, is_list, param in zip(pieces[1:], lists, params, strict=True):
            if not is_list:
                statement += "%s" if self.postgres else "?"
                values.append(param)
            elif self.postgres:
                statement += "= ANY(%s)"
                values.append(list(param))
            else:
                statement += f"IN ({', '.join('?' * len(param))})"
                values.extend(param)
            statement += piece
        return driver_rows(self.session.connection(), statement, tuple(values))

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


def _in_dialect(text: str, postgres: bool) -> str:
    if postgres:  # psycopg's placeholders are %s, so a literal % is written %%
        return text.replace("%", "%%").replace(_JSON, "%s::jsonb").replace("?", "%s")
    return text.replace(_JSON, "?")


@lru_cache(maxsize=1024)
def _parsed(text: str, postgres: bool) -> tuple[str | None, tuple[str, ...], tuple[bool, ...]]:
    """A `fetch` text in the driver's dialect, worked out once (its texts are constants):
    the whole statement if every placeholder is `?`; else its pieces between the
    placeholders, and which of those take a list."""
    lists = tuple(marker != "?" for marker in _PLACEHOLDER.findall(text))
    if not any(lists):
        return _in_dialect(text, postgres), (), lists
    return None, tuple(_in_dialect(p, postgres) for p in _PLACEHOLDER.split(text)), lists


def driver_rows(connection: Connection, statement: str, params: tuple[Any, ...]) -> list[Any]:
    """Run a statement on the connection's driver and fetch its rows, as
    `exec_driver_sql` would but without SQLAlchemy's per-statement machinery: that cost
    more than SQLite takes to answer the small reads every page and event make (and the
    driver's fetchall beats SQLAlchemy's row-by-row iteration for a batch's thousands of
    rows). A driver error is raised as SQLAlchemy raises it (so a lost or busy database
    still answers 503), and a lost connection makes the pool let go of every connection
    it holds, as SQLAlchemy's own handling does: they all went with the server."""
    pooled = connection.connection
    dialect = connection.dialect
    cursor = pooled.cursor()
    try:
        cursor.execute(statement, params)
        return list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, pooled.dbapi_connection, cursor)
        if lost:
            # What `Connection._handle_dbapi_exception` does on a disconnect.
            connection.engine.pool._invalidate(pooled, error)
            connection.invalidate(error)
        raise DBAPIError.instance(
            statement,
            params,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from error
    finally:
        # A cursor of a connection just invalidated cannot close cleanly; its error
        # must not replace the one above.
        with suppress(dialect.loaded_dbapi.Error):
            cursor.close()


def as_date(value: object) -> date | None:
    """A date read through the driver: SQLite hands back ISO text, PostgreSQL a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def as_utc(value: object) -> datetime | None:
    """A timestamp read through the driver: SQLite hands back text, PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
