"""A pooled PostgreSQL connection after a server restart: one that rested is tested
before use and replaced; one in use when the server went away fails once, and the pool
then lets go of every connection it held — for statements through SQLAlchemy and for
reads straight on the driver (`BulkWriter.fetch`) alike."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from questline.storage import database as database_module
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with PostgresServer() as pg:
        yield pg


def _backend(database: Database) -> int:
    with database.reader() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_that_rested_through_a_restart_is_replaced_unnoticed(
    server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "_PING_AFTER_IDLE_SECONDS", 0.2)
    database = Database(server.url_for("postgres"))
    try:
        before = _backend(database)
        server.restart()
        time.sleep(0.3)
        assert _backend(database) != before  # a new connection, and no error
    finally:
        database.dispose()


def test_a_connection_busy_when_the_server_restarted_fails_once_then_all_are_fresh(
    server: PostgresServer,
) -> None:
    database = Database(server.url_for("postgres"))
    try:
        _backend(database)
        server.restart()
        with pytest.raises(DBAPIError) as failed:  # used at once: not tested first
            _backend(database)
        assert failed.value.connection_invalidated  # the API answers this with 503
        _backend(database)
    finally:
        database.dispose()


def _backends_at_once(database: Database, count: int) -> set[int]:
    """The backends of `count` connections held at the same time, read on the driver."""
    with ExitStack() as sessions:
        held = [sessions.enter_context(database.reader()) for _ in range(count)]
        return {BulkWriter(s).fetch("SELECT pg_backend_pid() WHERE 1 = ?", 1)[0][0] for s in held}


def test_a_driver_read_on_a_lost_connection_fails_once_then_all_are_fresh(
    server: PostgresServer,
) -> None:
    database = Database(server.url_for("postgres"))
    try:
        before = _backends_at_once(database, 3)  # three connections now rest in the pool
        server.restart()
        with database.reader() as session, pytest.raises(DBAPIError) as failed:
            BulkWriter(session).fetch("SELECT pg_backend_pid() WHERE 1 = ?", 1)
        assert failed.value.connection_invalidated  # the API answers this with 503
        after = _backends_at_once(database, 3)  # none of the others fails in turn
        assert len(after) == 3
        assert not after & before
    finally:
        database.dispose()
