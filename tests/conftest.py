"""Fixtures shared by the whole suite.

Every test that touches storage runs twice: on SQLite and on a real PostgreSQL
server that these fixtures start on loopback (and stop at the end). A test that runs on
one of them only says why, beside its `parametrize`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
import redis
from hypothesis import settings
from sqlalchemy import create_engine

from questline.storage.schema import migrate
from tests.support.migrated import migrated_sqlite
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

ADMIN_KEY = "ql_sk_test-admin-key-0123456789abcdefghijklmnop"
_TEMPLATE = "questline_template"
_names = itertools.count()

# No per-example time limit: speed is measured in bench/, and a busy machine must not fail
# a property that holds.
settings.register_profile("questline", deadline=None)
settings.load_profile("questline")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        url = server.create_database(_TEMPLATE)
        engine = create_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real Redis server for the session; tests use ``redis_url`` for a clean database."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A URL of an empty Redis database (flushed before and after the test)."""
    url = redis_server.url_for(0)
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        yield url
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path_factory.mktemp("db") / "questline.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{os.getpid()}_{next(_names)}"
    yield server.create_database(name, template=_TEMPLATE)
    server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database of each kind with no schema at all, for tests of the migrations."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'questline.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"empty_{os.getpid()}_{next(_names)}"
    yield server.create_database(name)
    server.drop_database(name)


# Files that take minutes on their own start first, so that when files are shared out among
# several test processes the longest is not the last one left running on one core.
_LONGEST_FIRST = ("test_openapi_fuzz.py", "test_event_import.py", "test_wheel.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files run first and browser tests last: Playwright's synchronous API
    keeps an event loop running in the main thread from its first use until the session
    ends, and a test after it that calls `asyncio.run` would find that loop."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None,
            item.path.name not in _LONGEST_FIRST,
        )
    )
