"""The database handle: engine, sessions, transactions and after-commit hooks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from questline.storage.types import dumps_json, loads_json

AFTER_COMMIT = "questline.after_commit"
_DATABASE = "questline.database"  # session.info: the Database that made the session


def unavailable(error: BaseException) -> bool:
    """The database is down, unreachable, busy or out of pooled connections, or the
    connection broke: nothing is wrong with the work itself, and it succeeds on a retry
    once the database is back (so it must stay pending, never be marked failed)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _sqlite_connect_args(url: str) -> dict[str, Any]:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # The in-process worker and request threads share the pool.
    return {"check_same_thread": False, "timeout": 30}


def build_engine(url: str, *, sqlite_synchronous: str = "FULL", writer: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args=_sqlite_connect_args(url),
            pool_size=8,
            json_serializer=dumps_json,
            json_deserializer=loads_json,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # Writers BEGIN IMMEDIATE: it takes the write lock up front (SQLite's way of
            # locking the player rows) and avoids deadlocks on read-to-write upgrades.
            # Readers BEGIN DEFERRED and, in WAL mode, never wait for writers — so theirs
            # cannot fail for a lock, and goes straight to the driver (every page and read
            # begins one; SQLAlchemy's statement machinery cost more than the BEGIN).
            if writer:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.connection.driver_connection.execute("BEGIN")

        return engine
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        json_serializer=dumps_json,
        json_deserializer=loads_json,
    )
    _ping_when_idle(engine)
    return engine


_PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only if it sat idle: a server restart while it
    rested would otherwise fail the first request to use it. Pinging on every checkout
    (`pool_pre_ping`) cost a round trip per request, and under load connections rest for
    milliseconds; a restart under load fails the statements in flight, which answer 503
    and make the pool drop every connection it holds."""

    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        rested = record.info.get("checked_in")
        if rested is None or time.monotonic() - rested < _PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another (a new one if
            # need be), as `pool_pre_ping` would.
            raise DisconnectionError("connection lost while idle") from error


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.engine = build_engine(url, sqlite_synchronous=sqlite_synchronous)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={_DATABASE: self})
        if self.engine.dialect.name == "sqlite":
            self.read_engine = build_engine(
                url, sqlite_synchronous=sqlite_synchronous, writer=False
            )
        else:
            self.read_engine = self.engine
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Writers of this process queue here, where the
        # next one wakes the moment the lock is free; SQLite's own busy handler would make
        # them poll with sleeps of up to 100 ms. Other processes still meet busy_timeout.
        # The lock is taken and released within one `transaction()` block, which runs in
        # one thread and never waits for an event loop: held across an await, it froze any
        # loop that met it, and the threads queued for it could take every worker thread
        # its holder needed to go on.
        self._writer_turn: AbstractContextManager[Any] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, session: Session | None = None) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on error, then runs
        the after-commit hooks queued during it (only if it committed).

        The block must run in one thread, start to end, without waiting for the event
        loop (no `await`, no trip back to it): see `_writer_turn`. `session`, if given, is
        one that `sessions()` made earlier and that has not begun (a request's)."""
        with self._writer_turn:
            if session is None:
                session = self.sessions()
            elif session.in_transaction():
                session.close()
                raise RuntimeError("a unit of work must begin inside transaction()")
            try:
                with session.begin():
                    yield session
                hooks: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT, [])
            finally:
                session.close()
        for hook in hooks:
            hook()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        session = self.read_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def transaction_of(session: Session) -> AbstractContextManager[Session]:
    """`Database.transaction(session)` of the database that made `session`."""
    database: Database = session.info[_DATABASE]
    return database.transaction(session)


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Queue a side effect (notify, dispatch, cache write) for after the commit."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)
