"""Benchmark: the activity feed and friends leaderboards at scale. Prints figures;
asserts nothing.

The target shape at `--scale 1`: 100,000 players, each following 200 others (one in a
hundred follows 5,000), 2,000,000 activity entries spread over the players, and one
board where every player has a score. `--scale` multiplies players and entries (follows
per player stay 200 and 5,000, entries per player stay 20), so a reduced run keeps the
per-read work and says which scale its figures are from.

Per store, in one interleaved run (each sample calls every read once in turn, so load
that drifts falls on all of them alike), p50/p99 of:

- the feed's first page (20 entries) of a player following 200, and of one following
  5,000 — the module's use case (`social.service.feed`: the player, how many they
  follow, the page fanned out on read, their cheers, the words), as the route calls it;
- the raw baseline: the same index range read done by hand on the driver — one player's
  newest 21 entries by `(player_id, id)` — which is also exactly the read a fanned-out-on-
  write inbox would do;
- a friends board of a player following 200 (and 5,000): the circle from the follows,
  then the board's scores of those players (`LeaderboardStore.held`) ranked, as the
  route does — in SQL (SQLite, PostgreSQL) and in Redis;
- its raw baseline: the scores of the same players read by hand (`IN` list on the
  driver, or one HMGET on Redis).

Last, what fan-out on write would cost each new entry: the entry's insert alone, next
to the same insert plus one inbox row per follower of its player (rolled back).

    python bench/social.py [--scale 0.1] [--samples 400]
"""

from __future__ import annotations

import argparse
import io
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from redis import Redis
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.leaderboards import (  # noqa: E402
    BOARD,
    load_postgres,
    load_sqlite,
    make_scores,
    migrated,
    player_name,
)

from questline.engine.leaderboards import Ranking, assign_ranks  # noqa: E402
from questline.leaderboards.redis import RedisLeaderboardStore, rebuild  # noqa: E402
from questline.leaderboards.sql import SqlLeaderboardStore  # noqa: E402
from questline.leaderboards.store import LeaderboardStore  # noqa: E402
from questline.social import store as social  # noqa: E402
from questline.social.service import feed as feed_service  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

FOLLOWING, HEAVY_FOLLOWING, HEAVY_SHARE = 200, 5000, 100
ENTRIES_PER_PLAYER = 20
PAGE = 20
KINDS = ("level_reached", "achievement_unlocked", "streak_extended", "quest_completed")


class Shape:
    def __init__(self, scale: float) -> None:
        self.players = max(HEAVY_FOLLOWING + 1, int(100_000 * scale))
        self.entries = self.players * ENTRIES_PER_PLAYER
        rng = random.Random(5)
        # Player ids are 1-based (as the leaderboard bench loads them).
        self.follows: dict[int, list[int]] = {}
        for player in range(1, self.players + 1):
            count = HEAVY_FOLLOWING if player % HEAVY_SHARE == 0 else FOLLOWING
            chosen = set(rng.sample(range(1, self.players + 1), count + 1))
            chosen.discard(player)
            self.follows[player] = sorted(chosen)[:count]
        self.follow_rows = sum(len(v) for v in self.follows.values())
        self.readers = [p for p in range(1, self.players + 1) if p % HEAVY_SHARE != 0]
        self.heavy = [p for p in range(1, self.players + 1) if p % HEAVY_SHARE == 0]

    def entry_rows(self) -> list[tuple[int, int, str, str]]:
        rng = random.Random(9)
        return [
            (
                index + 1,
                rng.randrange(1, self.players + 1),
                KINDS[index % 4],
                '{"currency": "xp", "level": 3, "previous_level": 2}',
            )
            for index in range(self.entries)
        ]


def load_social_postgres(conninfo: str, shape: Shape) -> float:
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        with connection.cursor() as cursor:
            follows = io.StringIO()
            row = 0
            for follower, followees in shape.follows.items():
                for followee in followees:
                    row += 1
                    follows.write(f"{row}\t1\t{follower}\t{followee}\t2026-12-01 00:00:00+00\n")
            with cursor.copy(
                "COPY social_follows (id, app_id, follower_id, followee_id, created_at) FROM STDIN"
            ) as copy:
                copy.write(follows.getvalue())
            entries = io.StringIO()
            for entry, player, kind, data in shape.entry_rows():
                entries.write(
                    f"{entry}\t1\t{player}\t{kind}\t{data}\t{entry}\t0\t2026-12-01 00:00:00+00\n"
                )
            with cursor.copy(
                "COPY activity_entries (id, app_id, player_id, kind, data, event_seq, cheers,"
                " created_at) FROM STDIN"
            ) as copy:
                copy.write(entries.getvalue())
            cursor.execute(f"SELECT setval('activity_entries_id_seq', {shape.entries})")
            cursor.execute(f"SELECT setval('social_follows_id_seq', {shape.follow_rows})")
        connection.execute("VACUUM ANALYZE social_follows")
        connection.execute("VACUUM ANALYZE activity_entries")
    return time.perf_counter() - started


def load_social_sqlite(path: Path, shape: Shape) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO social_follows (app_id, follower_id, followee_id, created_at)"
        " VALUES (1, ?, ?, '2026-12-01 00:00:00.000000')",
        ((f, e) for f, followees in shape.follows.items() for e in followees),
    )
    connection.executemany(
        "INSERT INTO activity_entries (id, app_id, player_id, kind, data, event_seq, cheers,"
        " created_at) VALUES (?, 1, ?, ?, ?, NULL, 0, '2026-12-01 00:00:00.000000')",
        shape.entry_rows(),
    )
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def interleaved(
    calls: dict[str, Callable[[], object]], samples: int
) -> dict[str, tuple[float, float]]:
    for call in calls.values():  # warm caches and connections
        for _ in range(10):
            call()
    timings: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(samples):
        for label, call in calls.items():
            started = time.perf_counter()
            call()
            timings[label].append((time.perf_counter() - started) * 1000)
    found = {}
    for label, values in timings.items():
        cuts = statistics.quantiles(values, n=100)
        found[label] = (cuts[49], cuts[98])
    return found


def report(title: str, found: dict[str, tuple[float, float]]) -> None:
    print(f"\n{title}  (ms)")
    for label, (p50, p99) in found.items():
        print(f"  {label:44s} p50 {p50:7.3f}   p99 {p99:7.3f}")


def friends_board(
    database: Database, board_store: LeaderboardStore, reader: int
) -> list[tuple[str, int, int]]:
    """What `GET /v1/leaderboards/xp?among=following&player=X` does past the parsing."""
    with database.reader() as session:
        circle = [*social.circle(session, reader), player_name(reader - 1)]
    held = sorted(board_store.held(BOARD, circle), key=lambda h: (-h.score, h.seq, h.player))
    ranks = assign_ranks(
        [h.score for h in held], Ranking.COMPETITION, first_rank=1, first_position=1
    )
    return [(h.player, h.score, r) for h, r in zip(held, ranks, strict=True)]


def measure_sql(
    name: str,
    database: Database,
    raw_connect: Callable[[], object],
    shape: Shape,
    samples: int,
    redis: RedisLeaderboardStore | None = None,
) -> None:
    rng = random.Random(13)
    raw = raw_connect()
    placeholder = "%s" if isinstance(raw, psycopg.Connection) else "?"

    def raw_fetch(sql: str, *params: object) -> list[object]:
        cursor = raw.cursor()  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        return list(cursor.fetchall())

    def feed(pool: list[int]) -> Callable[[], object]:
        def read() -> object:
            reader = player_name(rng.choice(pool) - 1)
            with database.reader() as session:
                return feed_service(session, 1, None, reader, before=None, limit=PAGE, locale="en")

        return read

    def raw_range() -> object:
        return raw_fetch(
            "SELECT id, player_id, kind, data, cheers, created_at FROM activity_entries"
            f" WHERE player_id = {placeholder} ORDER BY id DESC LIMIT {PAGE + 1}",
            rng.randrange(1, shape.players + 1),
        )

    sql_board = SqlLeaderboardStore(database)

    def board(pool: list[int], board_store: LeaderboardStore) -> Callable[[], object]:
        return lambda: friends_board(database, board_store, rng.choice(pool))

    def raw_scores(pool: list[int]) -> Callable[[], object]:
        def read() -> object:
            ids = shape.follows[rng.choice(pool)]
            marks = ", ".join([placeholder] * len(ids))
            return raw_fetch(
                "SELECT player_id, score, seq FROM leaderboard_scores WHERE app_id = 1"
                f" AND board = 'xp' AND run = 'all' AND partition = '' AND player_id IN ({marks})",
                *ids,
            )

        return read

    calls: dict[str, Callable[[], object]] = {
        "feed, first page, following 200": feed(shape.readers),
        "feed, first page, following 5,000": feed(shape.heavy),
        "raw: one player's newest 21 entries": raw_range,
        "friends board (SQL), following 200": board(shape.readers, sql_board),
        "friends board (SQL), following 5,000": board(shape.heavy, sql_board),
        "raw: scores of 200 players (IN list)": raw_scores(shape.readers),
    }
    if redis is not None:
        client: Redis = redis.client  # type: ignore[assignment]
        hash_key = "ql:lb:1:xp:all:h"

        def raw_hmget() -> object:
            ids = shape.follows[rng.choice(shape.readers)]
            return client.hmget(hash_key, [player_name(i - 1) for i in ids])

        calls["friends board (Redis), following 200"] = board(shape.readers, redis)
        calls["friends board (Redis), following 5,000"] = board(shape.heavy, redis)
        calls["raw: HMGET of 200 players (Redis)"] = raw_hmget
    report(f"{name}, {samples} interleaved samples", interleaved(calls, samples))
    raw.close()  # type: ignore[attr-defined]


def measure_fan_out_on_write(name: str, database: Database, shape: Shape, writes: int) -> None:
    """One new entry's write alone, next to it plus an inbox row per follower."""
    followers: dict[int, list[int]] = {}
    for follower, followees in shape.follows.items():
        for followee in followees:
            followers.setdefault(followee, []).append(follower)
    rng = random.Random(17)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_inbox (reader_id BIGINT NOT NULL,"
                " entry_id BIGINT NOT NULL, PRIMARY KEY (reader_id, entry_id))"
            )
        )
    alone: list[float] = []
    fanned: list[float] = []
    insert = text(
        "INSERT INTO activity_entries (app_id, player_id, kind, data, cheers, created_at)"
        " VALUES (1, :player, 'level_reached', '{}', 0, CURRENT_TIMESTAMP)"
    )
    for index in range(writes):
        player = rng.randrange(1, shape.players + 1)
        for timings, fan in ((alone, False), (fanned, True)):
            with database.engine.connect() as connection:
                transaction = connection.begin()
                started = time.perf_counter()
                connection.execute(insert, {"player": player})
                if fan:
                    entry = 10_000_000_000 + index
                    connection.execute(
                        text("INSERT INTO bench_inbox (reader_id, entry_id) VALUES (:r, :e)"),
                        [{"r": r, "e": entry} for r in followers.get(player, [])],
                    )
                timings.append((time.perf_counter() - started) * 1000)
                transaction.rollback()
    mean_followers = statistics.mean(len(v) for v in followers.values())
    print(f"\n{name}: one new entry's write, {writes} samples (ms; rolled back)")
    for label, values in (
        ("entry alone (fan-out on read)", alone),
        (f"entry + inbox rows (~{mean_followers:.0f} followers)", fanned),
    ):
        cuts = statistics.quantiles(values, n=100)
        print(f"  {label:44s} p50 {cuts[49]:7.3f}   p99 {cuts[98]:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1, help="1 is the full target size")
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    shape = Shape(args.scale)
    scores = make_scores(shape.players)
    print(
        f"scale {args.scale}: {shape.players:,} players, {shape.follow_rows:,} follows"
        f" ({len(shape.heavy):,} players follow {HEAVY_FOLLOWING:,}, the others {FOLLOWING}),"
        f" {shape.entries:,} activity entries, one board of {shape.players:,} scores"
    )
    with (
        tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp,
        PostgresServer() as pg,
        RedisServer() as redis_server,
    ):
        workdir = Path(tmp)
        pg_url = pg.create_database("bench")
        migrated(pg_url, shape.players)
        seconds = load_postgres(pg.conninfo_for("bench"), scores)
        seconds += load_social_postgres(pg.conninfo_for("bench"), shape)
        print(f"  load PostgreSQL (COPY):            {seconds:6.1f} s")
        sqlite_path = workdir / "bench.db"
        sqlite_url = f"sqlite:///{sqlite_path}"
        migrated(sqlite_url, shape.players)
        seconds = load_sqlite(sqlite_path, scores) + load_social_sqlite(sqlite_path, shape)
        print(f"  load SQLite (executemany):         {seconds:6.1f} s")
        postgres = Database(pg_url)
        sqlite = Database(sqlite_url, sqlite_synchronous="NORMAL")
        redis_store = RedisLeaderboardStore(redis_server.url, SqlLeaderboardStore(postgres))
        rebuild(redis_store, postgres)
        try:
            measure_sql(
                "PostgreSQL (+ Redis for boards)",
                postgres,
                lambda: psycopg.connect(pg.conninfo_for("bench")),
                shape,
                args.samples,
                redis_store,
            )
            measure_sql(
                "SQLite",
                sqlite,
                lambda: sqlite3.connect(sqlite_path),
                shape,
                args.samples,
            )
            measure_fan_out_on_write("PostgreSQL", postgres, shape, args.writes)
            measure_fan_out_on_write("SQLite", sqlite, shape, args.writes)
        finally:
            redis_store.close()
            postgres.dispose()
            sqlite.dispose()
    print("\ngoal: feed first page and friends board p99 < 20 ms")


if __name__ == "__main__":
    main()
