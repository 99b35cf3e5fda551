"""The leaderboard store in Redis: a sorted set per board run (and partition), a cache
of the database rebuilt by `questline rebuild leaderboards`.

Encoding. A sorted set orders by a double, then by member bytes. The score goes in the
double as it is: every integer up to 2^53 in magnitude is exact there, and a board
holding a larger one is never served from Redis (it is marked inexact, and reads of it
go to the database) rather than served rounded. The tie-break goes in the member:
`<2^63-1-seq as 16 hex digits>:<player>`, so among equal scores the reverse byte order
that ZREVRANGE uses puts the smallest seq — whoever reached the score first — first.

Per board run:
  h         hash  player -> "<inverted seq><hidden 0|1><score>\\n<partition>"
  z:<part>  zset  the board, members as above
  d:<part>  zset  the distinct scores (for dense ranks), counted in
  c:<part>  hash  score -> players holding it
  inexact   flag  a score beyond 2^53 was seen: serve this run from the database

`ql:lb:complete` says Redis holds every current board. It is set by a rebuild and lost
with Redis's data, and while it is missing every read goes to the database — a board
that is only partly in Redis is never served.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

import redis
import redis.asyncio
from sqlalchemy import text

from questline.engine.leaderboards import Ranking, assign_ranks
from questline.leaderboards.kept_pages import KeptPages
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.store import (
    BoardRun,
    CirclePage,
    CircleQuery,
    Held,
    Page,
    ScoreUpdate,
    Standing,
    rank_first,
)
from questline.storage.database import Database

log = logging.getLogger(__name__)

COMPLETE = "ql:lb:complete"
REBUILDING = "ql:lb:rebuilding"
_BOARD_KEYS = "ql:lb:[0-9]*"
_REBUILD_LEASE_SECONDS = 300
MAX_EXACT = 2**53
_SEQ_MAX = 2**63 - 1
_CHUNK = 500


def _script(*names: str) -> str:
    """The Lua script made of `names` (files beside this module, in order)."""
    folder = resources.files("questline.leaderboards") / "scripts"
    return "".join((folder / f"{name}.lua").read_text() for name in names)


_WRITE = _script("parse", "write")
_TOP = _script("ready", "top")
_AROUND = _script("parse", "ready", "around")


def _prefix(board: BoardRun) -> str:
    return f"ql:lb:{board.app_id}:{board.board}:{board.run}"


def _inverted(seq: int) -> str:
    return f"{_SEQ_MAX - seq:016x}"


def _player_of(member: bytes) -> str:
    return member.decode().split(":", 1)[1]


class RedisLeaderboardStore:
    """Reads come from Redis when it holds the board exactly and completely, and from
    `fallback` (the database) otherwise."""

    def __init__(
        self, url: str, fallback: SqlLeaderboardStore, *, page_cache_seconds: float = 0.0
    ) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url)
        self.fallback = fallback
        self._write = self.client.register_script(_WRITE)
        self._top = self.client.register_script(_TOP)
        self._around = self.client.register_script(_AROUND)
        # A write that failed left Redis behind the database; the next time Redis
        # answers, its completeness mark goes first, so nothing stale is served.
        self._behind = False
        # An asyncio client for reads on a server's event loop, made there on first use
        # (its connections belong to that loop).
        self._async: tuple[asyncio.AbstractEventLoop, Any, Any] | None = None
        # Pages of `top`, kept for `page_cache_seconds`; writes through this store
        # retire them at once.
        self.pages = KeptPages(page_cache_seconds)

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            await self._async[1].aclose()
        self._async = None

    # -- writes ---------------------------------------------------------------------------

    def write(self, updates: Sequence[ScoreUpdate]) -> None:
        try:
            if self._behind:
                self.client.delete(COMPLETE)
                self._behind = False
            self.write_exactly(updates)
        except redis.RedisError:
            self._behind = True
            log.exception(
                "leaderboard scores could not be written to Redis; reads use the"
                " database until `questline rebuild leaderboards`"
            )

    def write_exactly(self, updates: Sequence[ScoreUpdate]) -> None:
        grouped: dict[str, list[ScoreUpdate]] = defaultdict(list)
        inexact: set[str] = set()
        for update in updates:
            prefix = _prefix(update.board)
            if abs(update.score) > MAX_EXACT:
                inexact.add(prefix)
            else:
                grouped[prefix].append(update)
        self.pages.moved()
        pipe = self.client.pipeline(transaction=False)
        for prefix in inexact:
            pipe.set(prefix + ":inexact", 1)
        for prefix, group in grouped.items():
            for start in range(0, len(group), _CHUNK):
                args: list[Any] = [prefix]
                for u in group[start : start + _CHUNK]:
                    args += [
                        u.player,
                        u.board.partition,
                        _inverted(u.seq),
                        u.score,
                        1 if u.hidden else 0,
                    ]
                self._write(keys=[prefix + ":h"], args=args, client=pipe)
        pipe.execute()
        self.pages.moved()

    def forget(self, board: BoardRun) -> None:
        for keys in _batched(self.client.scan_iter(match=_prefix(board) + ":*"), 1000):
            self.client.delete(*keys)
        self.pages.moved()

    # -- reads ----------------------------------------------------------------------------

    def top(self, board: BoardRun, ranking: Ranking, *, offset: int, limit: int) -> Page:
        key, asked = (board, ranking, offset, limit), self.pages.asked()
        kept = self.pages.get(key, asked)
        if kept is not None:
            return kept
        try:
            found = self._top(keys=_top_keys(board), args=[offset, limit, ranking.value])
        except redis.RedisError:
            log.warning("Redis is unavailable; reading the leaderboard from the database")
            found = None
        if found is None:
            return self.fallback.top(board, ranking, offset=offset, limit=limit)
        return self.pages.keep(key, asked, _top_page(found, ranking, offset))

    async def top_without_fallback(
        self, board: BoardRun, ranking: Ranking, *, offset: int, limit: int
    ) -> Page | None:
        """`top` on the event loop, or None when Redis cannot answer it exactly (the
        caller then reads the database, which is blocking I/O and belongs elsewhere).
        A page read here moments ago is answered again (see `KeptPages`)."""
        key, asked = (board, ranking, offset, limit), self.pages.asked()
        kept = self.pages.get(key, asked)
        if kept is not None:
            return kept
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            client = redis.asyncio.Redis.from_url(self.url)
            self._async = (loop, client, client.register_script(_TOP))
        try:
            found = await self._async[2](keys=_top_keys(board), args=[offset, limit, ranking.value])
        except redis.RedisError:
            return None
        if found is None:
            return None
        return self.pages.keep(key, asked, _top_page(found, ranking, offset))

    def around(self, board: BoardRun, ranking: Ranking, player: str, radius: int) -> Page | None:
        prefix = _prefix(board)
        try:
            found = self._around(
                keys=[
                    COMPLETE,
                    prefix + ":inexact",
                    prefix + ":h",
                    f"{prefix}:z:{board.partition}",
                    f"{prefix}:d:{board.partition}",
                ],
                args=[player, radius, ranking.value, board.partition],
            )
        except redis.RedisError:
            log.warning("Redis is unavailable; reading the leaderboard from the database")
            found = None
        if found is None:
            return self.fallback.around(board, ranking, player, radius)
        if found[0] == 0:
            return None
        _, start, above, below, total, flat = found
        rows = _pairs(flat)
        first_position = int(start) + 1
        first_rank = rank_first(ranking, first_position, int(above), int(above))
        return Page(_standings(rows, ranking, first_rank, first_position), int(total), int(below))

    def held(self, board: BoardRun, players: Sequence[str]) -> list[Held]:
        found = self._held(board, players)
        return self.fallback.held(board, players) if found is None else found

    def circle_page(
        self, board: BoardRun, ranking: Ranking, circle: CircleQuery, *, offset: int, limit: int
    ) -> CirclePage:
        """From the database, always. The circle is only there (who follows whom), and so
        is every score (Redis holds a copy): one statement there looks each player up by
        the board's key and answers just the page, where Redis would first need the
        circle's names sent to it and every one of their scores read. Measured with a
        circle of 5,000 (docs/operations.md), the database's statement took less than
        the circle's names alone. The database is never behind Redis: its scores commit
        before Redis is written."""
        return self.fallback.circle_page(board, ranking, circle, offset=offset, limit=limit)

    def _held(self, board: BoardRun, players: Sequence[str]) -> list[Held] | None:
        """None when Redis cannot answer exactly (the database must)."""
        if not players:
            return []
        prefix = _prefix(board)
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.exists(COMPLETE)
            pipe.exists(prefix + ":inexact")
            pipe.hmget(prefix + ":h", list(players))
            complete, inexact, states = pipe.execute()
        except redis.RedisError:
            complete, inexact, states = 0, 0, []
        if not complete or inexact:
            return None
        found: list[Held] = []
        for player, state in zip(players, states, strict=True):
            if state is None:
                continue
            head, _, partition = state.decode().partition("\n")
            if head[16] == "1" or partition != board.partition:
                continue
            found.append(Held(player, int(head[17:]), _SEQ_MAX - int(head[:16], 16)))
        return found


def _top_keys(board: BoardRun) -> list[str]:
    prefix = _prefix(board)
    return [
        COMPLETE,
        prefix + ":inexact",
        f"{prefix}:z:{board.partition}",
        f"{prefix}:d:{board.partition}",
    ]


def _top_page(found: list[Any], ranking: Ranking, offset: int) -> Page:
    above, flat = found
    rows = _pairs(flat)
    if not rows:
        return Page([], None)
    first_rank = rank_first(ranking, offset + 1, int(above), int(above)) if offset else 1
    return Page(_standings(rows, ranking, first_rank, offset + 1), None)


def _pairs(flat: list[bytes]) -> list[tuple[str, int]]:
    return [
        # Redis prints a double that holds an integer as that integer, every digit.
        (_player_of(flat[index]), int(flat[index + 1]))
        for index in range(0, len(flat), 2)
    ]


def _standings(
    rows: list[tuple[str, int]], ranking: Ranking, first_rank: int, first_position: int
) -> list[Standing]:
    ranks = assign_ranks(
        [score for _, score in rows], ranking, first_rank=first_rank, first_position=first_position
    )
    return [
        Standing(player, score, rank, first_position + index)
        for index, ((player, score), rank) in enumerate(zip(rows, ranks, strict=True))
    ]


# -- rebuild ---------------------------------------------------------------------------


def current_scores(database: Database, batch: int = 5000) -> Iterator[list[ScoreUpdate]]:
    """Every score of every run not yet finalized, streamed from the database."""
    statement = text(
        "SELECT s.app_id, s.board, s.run, s.partition, s.player_id, p.external_id,"
        " s.score, s.seq, s.hidden"
        " FROM leaderboard_scores s"
        " JOIN players p ON p.id = s.player_id"
        " JOIN leaderboard_runs r"
        " ON r.app_id = s.app_id AND r.board = s.board AND r.run = s.run"
        " WHERE r.finalized_at IS NULL"
    )
    with database.reader() as session:
        result = session.execute(statement.execution_options(yield_per=batch))
        for rows in result.partitions(batch):
            yield [
                ScoreUpdate(
                    BoardRun(app_id, board, run, partition),
                    player_id,
                    player,
                    score,
                    seq,
                    bool(hidden),
                )
                for app_id, board, run, partition, player_id, player, score, seq, hidden in rows
            ]


class RebuildInProgress(RuntimeError):
    """Another process is rebuilding the leaderboards in Redis."""


def rebuild(store: RedisLeaderboardStore, database: Database) -> int:
    """Refill Redis with every current board from the database; returns the scores
    written. Reads go to the database until it is done. Safe while events are being
    processed: writes are monotone, and the snapshot is read after the old keys are
    gone, so a score committed before it is in it and one committed after it is newer.
    One rebuild at a time: a second would delete what the first is filling."""
    client = store.client
    token = uuid.uuid4().hex
    if not client.set(REBUILDING, token, nx=True, ex=_REBUILD_LEASE_SECONDS):
        raise RebuildInProgress("the leaderboards are being rebuilt by another process")
    try:
        client.delete(COMPLETE)
        for keys in _batched(client.scan_iter(match=_BOARD_KEYS, count=1000), 1000):
            client.delete(*keys)
        written = 0
        for updates in current_scores(database):
            store.write_exactly(updates)
            written += len(updates)
            client.expire(REBUILDING, _REBUILD_LEASE_SECONDS)
        client.set(COMPLETE, 1)
        return written
    finally:
        if client.get(REBUILDING) == token.encode():
            client.delete(REBUILDING)


def rebuild_if_incomplete(store: RedisLeaderboardStore, database: Database) -> int | None:
    """At start-up: rebuild unless Redis already holds every board (or another process
    is rebuilding it). Returns the scores written, or None if nothing was done."""
    if store.client.exists(COMPLETE):
        return None
    try:
        return rebuild(store, database)
    except RebuildInProgress:
        return None


def _batched(keys: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
