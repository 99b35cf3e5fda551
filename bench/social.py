"""Benchmark: the activity feed and friends leaderboards at scale. Prints figures;
asserts nothing.

The target shape at `--scale 1`: 100,000 players, each following 200 others (one in a
hundred follows 5,000), 2,000,000 activity entries spread over the players, and one
board where every player has a score. `--scale` multiplies players and entries (follows
per player stay 200 and 5,000, entries per player stay 20), so a reduced run keeps the
per-read work and says which scale its figures are from.

Per store, in rounds of interleaved samples (each sample calls every read once in turn,
so load that drifts falls on all of them alike), p50/p99 of:

- the feed's first page (20 entries) of a player following 200, and of one following
  5,000 — the module's use case (`social.service.feed`: the reader and how many they
  follow, the page fanned out on read with their cheers, the words), as the route
  calls it; next to the raw baseline, the same index range read done by hand on the
  driver: one player's newest 21 entries by `(player_id, id)` (also exactly the read a
  fanned-out-on-write inbox would do);
- a friends board of a player following 200 (and 5,000) as the route reads it past the
  parsing (`social.service.circle`, then `LeaderboardReader.circle`: the first page of
  10, the route's default `limit`, ranked within the circle by the board's method, with
  the reader's own standing) — through the SQL store (SQLite, PostgreSQL) and through
  the Redis store (which reads a circle's board from the database); next to the
  store's one statement for that circle done by hand on the driver. Beside them, for
  reference, two reads of the whole circle: the statement that listed all its
  standings before boards of a circle were paged, and one HMGET of the circle's
  players in Redis (the least a read from Redis would do).

Each read's p50 and p99 over its baseline's in the same round are printed as min /
median / max over the rounds. Last, what fan-out on write would cost each new entry:
the entry's insert alone, next to the same insert plus one inbox row per follower of
its player (rolled back). The data is seeded by `bench/social_load.py`, PostgreSQL
and SQLite at once.

    python bench/social.py [--scale 1] [--rounds 5] [--samples 40] [--writes 100]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from redis import Redis
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.leaderboards import (  # noqa: E402
    BOARD,
    DESIGN,
    load_postgres,
    load_sqlite,
    make_scores,
    migrated,
    player_name,
)
from bench.social_load import (  # noqa: E402
    FOLLOWING,
    HEAVY_FOLLOWING,
    Shape,
    load_social_postgres,
    load_social_sqlite,
)

from questline.engine.compiler import compile_design  # noqa: E402
from questline.leaderboards.redis import RedisLeaderboardStore, rebuild  # noqa: E402
from questline.leaderboards.service import LeaderboardReader, Located  # noqa: E402
from questline.leaderboards.sql import (  # noqa: E402
    SqlLeaderboardStore,
    circle_page_params,
    circle_page_statement,
)
from questline.leaderboards.store import CirclePage, Ranking  # noqa: E402
from questline.social import service as social_service  # noqa: E402
from questline.social import store as social  # noqa: E402
from questline.social.service import feed as feed_service  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.yamlfile import load_yaml  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

PAGE = 20
BOARD_PAGE = 10  # the route's default `limit`
RAW_RANGE = "raw: one player's newest 21 entries"
# The whole circle's standings with their names, in one statement: how a friends board
# was read before it was paged (for reference; `{}` is the circle's subquery).
WHOLE_CIRCLE = (
    "SELECT p.external_id, s.score, s.seq, p.display_name, p.avatar_url"
    " FROM leaderboard_scores s JOIN players p ON p.id = s.player_id"
    " WHERE s.app_id = ? AND s.board = ? AND s.run = ? AND s.hidden = ? AND s.partition = ?"
    " AND s.player_id IN ({}) ORDER BY s.score DESC, s.seq"
)

Read = Callable[[], object]


def interleaved(
    calls: dict[str, tuple[Read, str | None]], rounds: int, samples: int
) -> list[dict[str, list[float]]]:
    """Per round, `samples` passes that call every read once in turn; each read's
    timings (ms) by round."""
    for call, _ in calls.values():  # warm caches and connections
        for _ in range(10):
            call()
    found = []
    for _ in range(rounds):
        timings: dict[str, list[float]] = {label: [] for label in calls}
        for _ in range(samples):
            for label, (call, _) in calls.items():
                started = time.perf_counter()
                call()
                timings[label].append((time.perf_counter() - started) * 1000)
        found.append(timings)
    return found


def _cuts(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def report(title: str, calls: dict[str, tuple[Read, str | None]], rounds: list[Any]) -> None:
    """p50/p99 over every sample; then the read's p50 and p99 over its baseline's in the
    same round, min / median / max over the rounds."""
    print(f"\n{title}  (ms)")
    print(f"  {'':40s} {'p50':>8s} {'p99':>8s}   ×raw p50 min/med/max   ×raw p99 min/med/max")
    for label, (_, baseline) in calls.items():
        p50, p99 = _cuts([v for timings in rounds for v in timings[label]])
        line = f"  {label:40s} {p50:8.3f} {p99:8.3f}"
        if baseline is not None:
            for at in (0, 1):
                ratios = sorted(
                    _cuts(timings[label])[at] / _cuts(timings[baseline])[at] for timings in rounds
                )
                median = statistics.median(ratios)
                line += f"   {ratios[0]:6.1f} {median:6.1f} {ratios[-1]:6.1f}"
        print(line)


def friends_board(
    database: Database, reader: LeaderboardReader, located: Located, player: int
) -> CirclePage:
    """What `GET /v1/leaderboards/xp?among=following&player=X` does past the parsing."""
    with database.reader() as session:
        circle = social_service.circle(session, 1, player_name(player - 1))
    return reader.circle(located, BOARD, circle, 0, BOARD_PAGE)


def measure(
    name: str,
    database: Database,
    raw_connect: Callable[[], Any],
    shape: Shape,
    args: argparse.Namespace,
    redis: RedisLeaderboardStore | None = None,
) -> None:
    rng = random.Random(13)
    raw = raw_connect()
    mark = "%s" if isinstance(raw, psycopg.Connection) else "?"

    def raw_fetch(sql: str, *params: object) -> list[object]:
        cursor = raw.cursor()
        cursor.execute(sql.replace("?", mark), params)
        return list(cursor.fetchall())

    def feed(pool: list[int]) -> Read:
        def read() -> object:
            reader = player_name(rng.choice(pool) - 1)
            with database.reader() as session:
                return feed_service(session, 1, None, reader, before=None, limit=PAGE, locale="en")

        return read

    def raw_range() -> object:
        return raw_fetch(
            "SELECT id, player_id, kind, data, cheers, created_at FROM activity_entries"
            f" WHERE player_id = ? ORDER BY id DESC LIMIT {PAGE + 1}",
            rng.randrange(1, shape.players + 1),
        )

    located = LeaderboardReader.locate_current(compile_design(load_yaml(DESIGN)).leaderboards["xp"])
    assert located is not None
    sql_reader = LeaderboardReader(SqlLeaderboardStore(database), SqlLeaderboardStore(database))

    def board(pool: list[int], reader: LeaderboardReader) -> Read:
        return lambda: friends_board(database, reader, located, rng.choice(pool))

    def raw_board(pool: list[int]) -> Read:
        """The one statement the store runs for the circle, by hand on the driver."""

        def read() -> object:
            circle = social.circle(rng.choice(pool))
            return raw_fetch(
                circle_page_statement(circle, Ranking.COMPETITION, database.dialect),
                *circle_page_params(BOARD, circle, 0, BOARD_PAGE),
            )

        return read

    def raw_whole_circle(pool: list[int]) -> Read:
        def read() -> object:
            circle = social.circle(rng.choice(pool))
            return raw_fetch(
                WHOLE_CIRCLE.format(circle.players), 1, "xp", "all", False, "", *circle.params
            )

        return read

    calls: dict[str, tuple[Read, str | None]] = {
        RAW_RANGE: (raw_range, None),
        "feed, first page, following 200": (feed(shape.readers), RAW_RANGE),
        "feed, first page, following 5,000": (feed(shape.heavy), RAW_RANGE),
        "raw: board statement for 200, by hand": (raw_board(shape.readers), None),
        "raw: board statement for 5,000, by hand": (raw_board(shape.heavy), None),
        "ref: whole circle of 200, by hand": (raw_whole_circle(shape.readers), None),
        "ref: whole circle of 5,000, by hand": (raw_whole_circle(shape.heavy), None),
        "friends board (SQL), following 200": (
            board(shape.readers, sql_reader),
            "raw: board statement for 200, by hand",
        ),
        "friends board (SQL), following 5,000": (
            board(shape.heavy, sql_reader),
            "raw: board statement for 5,000, by hand",
        ),
    }
    if redis is not None:
        client: Redis = redis.client  # type: ignore[assignment]
        redis_reader = LeaderboardReader(redis, SqlLeaderboardStore(database))

        def raw_hmget(pool: list[int]) -> Read:
            # The circles' names made before the clock runs: the baseline is the HMGET.
            circles = [
                [player_name(i - 1) for i in [*shape.followees(p), p]]
                for p in random.Random(19).sample(pool, 20)
            ]
            return lambda: client.hmget("ql:lb:1:xp:all:h", rng.choice(circles))

        calls |= {
            "ref: HMGET of 200 (Redis)": (raw_hmget(shape.readers), None),
            "ref: HMGET of 5,000 (Redis)": (raw_hmget(shape.heavy), None),
            "friends board (Redis store), following 200": (
                board(shape.readers, redis_reader),
                "raw: board statement for 200, by hand",
            ),
            "friends board (Redis store), following 5,000": (
                board(shape.heavy, redis_reader),
                "raw: board statement for 5,000, by hand",
            ),
        }
    title = f"{name}, {args.rounds} rounds of {args.samples} interleaved samples"
    report(title, calls, interleaved(calls, args.rounds, args.samples))
    raw.close()


def measure_fan_out_on_write(name: str, database: Database, shape: Shape, writes: int) -> None:
    """One new entry's write alone, next to it plus an inbox row per follower."""
    rng = random.Random(17)
    players = [rng.randrange(1, shape.players + 1) for _ in range(writes)]
    followers: dict[int, list[int]] = {}
    with database.engine.connect() as connection:
        for player in players:
            followers[player] = list(
                connection.scalars(
                    text("SELECT follower_id FROM social_follows WHERE followee_id = :p"),
                    {"p": player},
                )
            )
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
    for index, player in enumerate(players):
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
    mean_followers = shape.follow_rows / shape.players
    print(f"\n{name}: one new entry's write, {writes} samples (ms; rolled back)")
    for label, values in (
        ("entry alone (fan-out on read)", alone),
        (f"entry + inbox rows (~{mean_followers:.0f} followers)", fanned),
    ):
        cuts = statistics.quantiles(values, n=100)
        print(f"  {label:44s} p50 {cuts[49]:7.3f}   p99 {cuts[98]:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 is the full target size")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=40, help="per round")
    parser.add_argument("--writes", type=int, default=100)
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
        sqlite_path = workdir / "bench.db"
        sqlite_url = f"sqlite:///{sqlite_path}"

        migrated(pg_url, shape.players)  # one at a time: Alembic's context is global
        migrated(sqlite_url, shape.players)

        def load_into_postgres() -> float:
            seconds = load_postgres(pg.conninfo_for("bench"), scores)
            return seconds + load_social_postgres(pg.conninfo_for("bench"), shape)

        def load_into_sqlite() -> float:
            return load_sqlite(sqlite_path, scores) + load_social_sqlite(sqlite_path, shape)

        # Both at once: PostgreSQL's work is in its server, SQLite's in C without the GIL.
        with ThreadPoolExecutor(2) as loads:
            in_postgres, in_sqlite = (
                loads.submit(load_into_postgres),
                loads.submit(load_into_sqlite),
            )
            print(f"  load PostgreSQL (INSERT … SELECT, COPY): {in_postgres.result():6.1f} s")
            print(f"  load SQLite (INSERT … SELECT), meanwhile: {in_sqlite.result():6.1f} s")
        postgres = Database(pg_url)
        sqlite = Database(sqlite_url, sqlite_synchronous="NORMAL")
        redis_store = RedisLeaderboardStore(redis_server.url, SqlLeaderboardStore(postgres))
        started = time.perf_counter()
        rebuild(redis_store, postgres)
        print(f"  load Redis (rebuild):                    {time.perf_counter() - started:6.1f} s")
        try:
            measure(
                "PostgreSQL (+ Redis for boards)",
                postgres,
                lambda: psycopg.connect(pg.conninfo_for("bench")),
                shape,
                args,
                redis_store,
            )
            measure("SQLite", sqlite, lambda: sqlite3.connect(sqlite_path), shape, args)
            measure_fan_out_on_write("PostgreSQL", postgres, shape, args.writes)
            measure_fan_out_on_write("SQLite", sqlite, shape, args.writes)
        finally:
            redis_store.close()
            postgres.dispose()
            sqlite.dispose()
    print("\ngoal: feed first page and friends board p99 < 20 ms")


if __name__ == "__main__":
    main()
