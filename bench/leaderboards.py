"""Benchmark: leaderboard reads at a million players. Prints figures; asserts nothing.

One board of N players with random scores, loaded in bulk (COPY into PostgreSQL, one
executemany transaction into SQLite, then `rebuild` into Redis from PostgreSQL).
Then, per store, server-side latency (the store call, in process) of the three reads
— top 10, around a random player (radius 5), a random player's rank — as p50/p99,
next to the raw round trip of the same server in the same run (Redis PING,
`SELECT 1`). Last, HTTP throughput of `GET /v1/leaderboards/{key}` (distributed mode:
PostgreSQL + Redis) next to a route of the same app answering a fixed body of the same
size, and once more with the in-process page cache off.

    python bench/leaderboards.py [--players 1000000] [--samples 2000] [--http-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questline.engine.leaderboards import Ranking  # noqa: E402
from questline.leaderboards.buckets import bucket_of  # noqa: E402
from questline.leaderboards.redis import RedisLeaderboardStore, rebuild  # noqa: E402
from questline.leaderboards.sql import SqlLeaderboardStore  # noqa: E402
from questline.leaderboards.store import BoardRun, LeaderboardStore  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
BOARD = BoardRun(1, "xp", "all")
DESIGN = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  xp: {rank_by: currency.xp}
"""


def player_name(index: int) -> str:
    return f"player-{index:07d}"


def make_scores(players: int) -> list[int]:
    rng = random.Random(7)
    return [rng.randrange(1_000_000_000) for _ in range(players)]


def migrated(url: str, players: int) -> None:
    engine = create_engine(url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO apps (id, slug, name, created_at)"
                    " VALUES (1, 'default', 'Default app', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text("INSERT INTO leaderboard_runs (app_id, board, run) VALUES (1, 'xp', 'all')")
            )
            connection.execute(
                text(
                    "INSERT INTO leaderboard_counts (app_id, board, run, partition, players)"
                    " VALUES (1, 'xp', 'all', '', :players)"
                ),
                {"players": players},
            )
    finally:
        engine.dispose()


def load_postgres(conninfo: str, scores: list[int]) -> float:
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        with connection.cursor() as cursor:
            players = io.StringIO()
            for index in range(len(scores)):
                players.write(
                    f"{index + 1}\t1\t{player_name(index)}\tUTC\t{{}}\t2026-11-21 00:00:00+00"
                    "\t2026-11-21 00:00:00+00\n"
                )
            with cursor.copy(
                "COPY players (id, app_id, external_id, time_zone, attributes, created_at,"
                " updated_at) FROM STDIN"
            ) as copy:
                copy.write(players.getvalue())
            board = io.StringIO()
            for index, score in enumerate(scores):
                board.write(f"1\txp\tall\t{index + 1}\t\tf\t{score}\t{index + 1}\n")
            with cursor.copy(
                "COPY leaderboard_scores (app_id, board, run, player_id, partition, hidden,"
                " score, seq) FROM STDIN"
            ) as copy:
                copy.write(board.getvalue())
            buckets = io.StringIO()
            for bucket, players in sorted(Counter(map(bucket_of, scores)).items()):
                buckets.write(f"1\txp\tall\t\t{bucket}\t{players}\n")
            with cursor.copy(
                "COPY leaderboard_buckets (app_id, board, run, partition, bucket, players)"
                " FROM STDIN"
            ) as copy:
                copy.write(buckets.getvalue())
            cursor.execute(f"SELECT setval('players_id_seq', {len(scores)})")
        # Visibility map and statistics, as autovacuum would leave them on a live server.
        connection.execute("VACUUM ANALYZE players")
        connection.execute("VACUUM ANALYZE leaderboard_scores")
    return time.perf_counter() - started


def load_sqlite(path: Path, scores: list[int]) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO players (id, app_id, external_id, time_zone, attributes, created_at,"
        " updated_at) VALUES (?, 1, ?, 'UTC', '{}', '2026-11-21 00:00:00.000000',"
        " '2026-11-21 00:00:00.000000')",
        ((index + 1, player_name(index)) for index in range(len(scores))),
    )
    connection.executemany(
        "INSERT INTO leaderboard_scores (app_id, board, run, player_id, partition, hidden,"
        " score, seq) VALUES (1, 'xp', 'all', ?, '', 0, ?, ?)",
        ((index + 1, score, index + 1) for index, score in enumerate(scores)),
    )
    connection.executemany(
        "INSERT INTO leaderboard_buckets (app_id, board, run, partition, bucket, players)"
        " VALUES (1, 'xp', 'all', '', ?, ?)",
        sorted(Counter(map(bucket_of, scores)).items()),
    )
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def quantiles(call: Callable[[], object], samples: int) -> tuple[float, float]:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return cuts[49], cuts[98]


def measure_store(
    name: str, store: LeaderboardStore, players: int, samples: int, raw: Callable[[], object]
) -> None:
    rng = random.Random(11)

    def top() -> object:
        return store.top(BOARD, Ranking.COMPETITION, offset=0, limit=10)

    def around() -> object:
        return store.around(BOARD, Ranking.COMPETITION, player_name(rng.randrange(players)), 5)

    def rank() -> object:
        return store.around(BOARD, Ranking.COMPETITION, player_name(rng.randrange(players)), 0)

    for call in (top, around, rank, raw):  # warm caches and connections
        for _ in range(20):
            call()
    print(f"\n{name}  ({samples} samples each, ms)")
    for label, call in (
        ("top 10", top),
        ("around me (radius 5)", around),
        ("rank lookup", rank),
        ("raw round trip (baseline)", raw),
    ):
        p50, p99 = quantiles(call, samples)
        print(f"  {label:28s} p50 {p50:7.3f}   p99 {p99:7.3f}")


# -- HTTP ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _hammer(port: int, path: str, seconds: float, connections: int) -> int:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n\r\n"
    ).encode()
    deadline = time.perf_counter() + seconds
    done = 0

    async def one() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.decode(errors="replace"))
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                done += 1
        finally:
            writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return done


@contextmanager
def serving(env: dict[str, str]) -> Iterator[int]:
    """The benchmark app under uvicorn (one process) on a free port, until the block ends."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--factory", "bench.leaderboard_app:create",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def requests_per_second(port: int, path: str, seconds: float) -> float:
    return asyncio.run(_hammer(port, path, seconds, 8)) / seconds


ROUNDS = 3


def measure_http(pg_url: str, redis_url: str, seconds: float, workdir: Path) -> None:
    body_file = workdir / "body.json"
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": pg_url,
        "QUESTLINE_REDIS_URL": redis_url,
        "QUESTLINE_BOOTSTRAP_KEY": KEY,
        "QUESTLINE_EMBEDDED_WORKER": "off",
        "QUESTLINE_LOG_LEVEL": "warning",
        "QUESTLINE_BENCH_BODY": str(body_file),
        # The checkout being measured (its sources first), and the `bench` package.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    top = "/v1/leaderboards/xp?limit=10"
    # A second server answers the same read with no page kept in the process (every
    # request asks Redis); only one of the two is sent requests at a time.
    with (
        serving(env) as port,
        serving({**env, "QUESTLINE_LEADERBOARD_CACHE_SECONDS": "0"}) as uncached_port,
    ):
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {KEY}"}
        ) as client:
            client.put(
                "/v1/config", content=DESIGN.encode(), headers={"Content-Type": "application/yaml"}
            ).raise_for_status()
            page = client.get("/v1/leaderboards/xp", params={"limit": 10})
            page.raise_for_status()
            body_file.write_bytes(page.content)
            assert client.get("/bench/static").content == page.content
        routes = {
            "minimal route, fixed body": (port, "/bench/static"),
            "the same behind the key check": (port, "/bench/static-with-key"),
            "GET /v1/leaderboards/xp": (port, top),
            "  the same, cache off": (uncached_port, top),
        }
        for target, path in routes.values():
            requests_per_second(target, path, 1.0)  # warm up
        # Interleaved rounds, the median of each: load that drifts during the run (the
        # database settling after the bulk load) falls on every route alike.
        rounds: dict[str, list[float]] = {label: [] for label in routes}
        for _ in range(ROUNDS):
            for label, (target, path) in routes.items():
                rounds[label].append(requests_per_second(target, path, seconds / ROUNDS))
    found = {label: statistics.median(rates) for label, rates in rounds.items()}
    print(f"\nHTTP, one uvicorn process, PostgreSQL + Redis, {seconds:.0f} s each in {ROUNDS}")
    print(f"interleaved rounds (median), 8 keep-alive connections, {len(page.content)}-byte bodies")
    for label, rate in found.items():
        print(f"  {label:29s} {rate:8.0f} requests/s")
    minimal = found["minimal route, fixed body"]
    keyed = found["the same behind the key check"]
    cached, uncached = found["GET /v1/leaderboards/xp"], found["  the same, cache off"]
    print(f"  top 10 / minimal             {cached / minimal:8.1%}   (target ≥ 70 %)")
    print(f"  top 10 / minimal with key    {cached / keyed:8.1%}")
    print(f"  cache off / minimal          {uncached / minimal:8.1%}")
    print(f"  cache off / minimal with key {uncached / keyed:8.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    args = parser.parse_args()
    scores = make_scores(args.players)
    print(f"one leaderboard, {args.players:,} players, random scores in [0, 10^9)")

    with (
        tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp,
        PostgresServer() as pg,
        RedisServer() as redis_server,
    ):
        workdir = Path(tmp)
        pg_url = pg.create_database("bench")
        migrated(pg_url, len(scores))
        seconds = load_postgres(pg.conninfo_for("bench"), scores)
        print(f"  load PostgreSQL (COPY):            {seconds:6.1f} s")
        sqlite_url = f"sqlite:///{workdir / 'bench.db'}"
        migrated(sqlite_url, len(scores))
        seconds = load_sqlite(workdir / "bench.db", scores)
        print(f"  load SQLite (executemany):         {seconds:6.1f} s")

        postgres = Database(pg_url)
        sqlite = Database(sqlite_url, sqlite_synchronous="NORMAL")
        redis_store = RedisLeaderboardStore(redis_server.url, SqlLeaderboardStore(postgres))
        started = time.perf_counter()
        rebuilt = rebuild(redis_store, postgres)
        print(
            f"  rebuild Redis from PostgreSQL:     {time.perf_counter() - started:6.1f} s"
            f" ({rebuilt:,} scores)"
        )
        memory = redis.Redis.from_url(redis_server.url)
        used = int(memory.info("memory")["used_memory"])
        memory.close()
        print(
            f"  Redis used_memory after the rebuild: {used / 2**20:6.1f} MiB"
            f" ({used / max(rebuilt, 1):.0f} B per player)"
        )

        def reader_ping(database: Database) -> Callable[[], object]:
            def ping() -> object:
                with database.reader() as session:
                    return session.execute(text("SELECT 1")).scalar()

            return ping

        try:
            measure_store(
                "Redis store", redis_store, args.players, args.samples, redis_store.client.ping
            )
            measure_store(
                "SQL store on PostgreSQL",
                SqlLeaderboardStore(postgres),
                args.players,
                max(200, args.samples // 4),
                reader_ping(postgres),
            )
            measure_store(
                "SQL store on SQLite (for information)",
                SqlLeaderboardStore(sqlite),
                args.players,
                max(200, args.samples // 4),
                reader_ping(sqlite),
            )
        finally:
            redis_store.close()
            postgres.dispose()
            sqlite.dispose()
        print("\ntargets: Redis p99 < 2 ms, SQL on PostgreSQL p99 < 20 ms, for all three reads")
        measure_http(pg_url, redis_server.url, args.http_seconds, workdir)


if __name__ == "__main__":
    main()
