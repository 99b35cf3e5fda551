"""What only the Redis store has to get right: the limits of its encoding, losing its
data, and Redis being away. A real Redis server; the database behind it (what reads fall
back to and a rebuild reads) is SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from questline.engine.leaderboards import Ranking
from questline.leaderboards import redis as redis_module
from questline.leaderboards.redis import COMPLETE, MAX_EXACT, RedisLeaderboardStore, rebuild
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.store import BoardRun, Page, ScoreUpdate
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from tests.support import aio
from tests.support.leaderboards import Board
from tests.support.redis import RedisServer


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, sqlite_synchronous="OFF")
    yield database
    database.dispose()


def _board(database: Database, url: str) -> Board:
    with database.transaction() as session:
        app_id = ensure_app(session, "default", "Default app").id
    store = RedisLeaderboardStore(url, SqlLeaderboardStore(database))
    return Board(store, database, app_id, BoardRun(app_id, "xp", "all"), {}, itertools.count(1))


@pytest.fixture
def board(database: Database, redis_url: str) -> Iterator[Board]:
    board = _board(database, redis_url)
    assert isinstance(board.store, RedisLeaderboardStore)
    board.store.client.set(COMPLETE, 1)
    yield board
    board.store.close()


def _redis(board: Board) -> RedisLeaderboardStore:
    assert isinstance(board.store, RedisLeaderboardStore)
    return board.store


def _in_redis(board: Board) -> set[bytes]:
    members = _redis(board).client.zrange("ql:lb:1:xp:all:z:", 0, -1)
    return {m.split(b":", 1)[1] for m in members}


def test_scores_up_to_2_53_are_served_from_redis_exactly(board: Board) -> None:
    board.set({"a": MAX_EXACT, "b": MAX_EXACT - 1, "c": -MAX_EXACT})
    assert _in_redis(board) == {b"a", b"b", b"c"}
    assert not _redis(board).client.exists("ql:lb:1:xp:all:inexact")
    assert board.top() == [("a", MAX_EXACT, 1), ("b", MAX_EXACT - 1, 2), ("c", -MAX_EXACT, 3)]


def test_a_score_beyond_2_53_sends_the_board_to_the_database_instead_of_rounding(
    board: Board,
) -> None:
    # As doubles, 2^53 + 1 and 2^53 are the same number: Redis would call this a tie.
    board.set({"a": MAX_EXACT + 1, "b": MAX_EXACT})
    assert _redis(board).client.exists("ql:lb:1:xp:all:inexact")
    assert b"a" not in _in_redis(board)
    assert board.top() == [("a", MAX_EXACT + 1, 1), ("b", MAX_EXACT, 2)]
    page = board.store.around(board.run, Ranking.COMPETITION, "b", 0)
    assert page is not None
    assert page.entries[0].rank == 2


def test_after_flushall_reads_come_from_the_database_until_rebuilt(board: Board) -> None:
    board.set({"ada": 50, "bob": 70, "cy": 60})
    client = _redis(board).client
    client.flushall()
    # Redis is empty; the board is still right, read from the database.
    assert board.top() == [("bob", 70, 1), ("cy", 60, 2), ("ada", 50, 3)]
    # A write after the loss does not make Redis look complete.
    board.set({"dee": 65})
    assert board.top() == [("bob", 70, 1), ("dee", 65, 2), ("cy", 60, 3), ("ada", 50, 4)]
    assert not client.exists(COMPLETE)

    assert rebuild(_redis(board), board.database) == 4
    assert _in_redis(board) == {b"ada", b"bob", b"cy", b"dee"}
    # Served by Redis now: the database copy going away does not change what is read.
    with board.database.transaction() as session:
        session.execute(text("DELETE FROM leaderboard_scores"))
    assert board.top() == [("bob", 70, 1), ("dee", 65, 2), ("cy", 60, 3), ("ada", 50, 4)]


def test_rebuild_keeps_only_current_runs_and_drops_what_the_database_no_longer_has(
    board: Board,
) -> None:
    old = BoardRun(board.app_id, "xp", "2026-11-09")
    board.put(board.update("ada", 10, run=old), board.update("bob", 20))
    with board.database.transaction() as session:
        session.execute(
            text("UPDATE leaderboard_runs SET finalized_at = CURRENT_TIMESTAMP WHERE run = :r"),
            {"r": old.run},
        )
    _redis(board).client.set("ql:lb:1:xp:all:z:", "stale")  # garbage under a board's key
    rebuild(_redis(board), board.database)
    keys = {k.decode() for k in _redis(board).client.keys("ql:lb:*")}
    assert not any(k.startswith("ql:lb:1:xp:2026-11-09") for k in keys)
    assert board.top() == [("bob", 20, 1)]


def test_when_redis_is_down_reads_use_the_database_and_writes_mark_it_behind(
    database: Database,
) -> None:
    server = RedisServer()
    server.start()
    try:
        board = _board(database, server.url)
        store = _redis(board)
        store.client.set(COMPLETE, 1)
        board.set({"ada": 50})
        server.pause()
        board.set({"bob": 70})  # the database has it; Redis is away
        assert board.top() == [("bob", 70, 1), ("ada", 50, 2)]
        server.resume()  # back, without its data or with it: either way, not trusted
        store.client.set(COMPLETE, 1)  # even if something claimed it was complete
        board.set({"cy": 60})
        assert not store.client.exists(COMPLETE)
        assert board.top() == [("bob", 70, 1), ("cy", 60, 2), ("ada", 50, 3)]
        store.close()
    finally:
        server.stop()


def test_reads_during_a_rebuild_come_from_the_database(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    board.set({"ada": 50, "bob": 70, "cy": 60, "dee": 65})
    expected = [("bob", 70, 1), ("dee", 65, 2), ("cy", 60, 3), ("ada", 50, 4)]
    seen: list[list[tuple[str, int, int]]] = []
    real = redis_module.current_scores

    def one_at_a_time(database: Database, batch: int = 5000) -> Iterator[list[ScoreUpdate]]:
        for chunk in real(database, batch):
            for update in chunk:
                seen.append(board.top())  # Redis holds part of the board at this point
                yield [update]

    monkeypatch.setattr(redis_module, "current_scores", one_at_a_time)
    assert rebuild(_redis(board), board.database) == 4
    assert seen == [expected] * 4
    assert board.top() == expected


def test_a_kept_page_is_retired_by_this_process_s_writes_and_by_time(board: Board) -> None:
    mine = _redis(board)
    mine.pages.seconds = 60.0
    other = RedisLeaderboardStore(mine.url, SqlLeaderboardStore(board.database))  # a process
    try:
        board.set({"ada": 10})
        assert board.top() == [("ada", 10, 1)]
        # Another process's write shows once the kept page expires...
        other.write([board.update("bob", 20)])
        assert board.top() == [("ada", 10, 1)]
        # ...and one of this process at once, with everything written before it.
        board.set({"cy": 5})
        assert board.top() == [("bob", 20, 1), ("ada", 10, 2), ("cy", 5, 3)]

        mine.pages.seconds = 0.2
        board.top()
        other.write([board.update("dee", 30)])
        time.sleep(0.25)
        assert board.top()[0] == ("dee", 30, 1)

        mine.pages.seconds = 0.0
        other.write([board.update("eve", 40)])
        assert board.top()[0] == ("eve", 40, 1)
    finally:
        other.close()


def test_pages_read_on_an_event_loop_match_the_blocking_read(board: Board) -> None:
    store = _redis(board)
    board.set({"a": 50, "b": 40, "c": 40, "d": 40, "e": 30, "f": 10})

    async def on_loop(ranking: Ranking, offset: int, limit: int) -> Page | None:
        try:
            return await store.top_without_fallback(board.run, ranking, offset=offset, limit=limit)
        finally:
            await store.aclose()

    for ranking, offset, limit in itertools.product(Ranking, (0, 2, 4), (1, 3, 10)):
        blocking = store.top(board.run, ranking, offset=offset, limit=limit)
        assert aio.run(on_loop(ranking, offset, limit)) == blocking
    # A page Redis cannot answer exactly is left to the database, off the event loop.
    store.client.delete(COMPLETE)
    assert aio.run(on_loop(Ranking.COMPETITION, 0, 10)) is None
    assert board.top()[:2] == [("a", 50, 1), ("b", 40, 2)]
