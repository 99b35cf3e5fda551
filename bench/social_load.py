"""Seeding the social benchmark's data fast: follows made by the databases themselves
from a formula (25 million rows need not pass through Python), entries by COPY or one
transaction, secondary indexes dropped for the load and built once after it."""

from __future__ import annotations

import io
import random
import sqlite3
import time
from math import gcd
from pathlib import Path
from typing import Any

import psycopg

FOLLOWING, HEAVY_FOLLOWING, HEAVY_SHARE = 200, 5000, 100
ENTRIES_PER_PLAYER = 20
KINDS = ("level_reached", "achievement_unlocked", "streak_extended", "quest_completed")
ENTRY_DATA = '{"currency": "xp", "level": 3, "previous_level": 2}'
CREATED = "2026-12-01 00:00:00.000000"
HASH = 2654435761  # Knuth's multiplicative hash: where a player's followees start


class Shape:
    """Who follows whom, by a formula the databases evaluate themselves (so 25 million
    follows load without passing through Python): the k-th followee of player f is f
    plus an offset that steps by a stride coprime to players - 1 from a start hashed
    from f — distinct players, never f, spread over the whole id range."""

    def __init__(self, scale: float) -> None:
        self.players = max(HEAVY_FOLLOWING + 2, int(100_000 * scale))
        self.entries = self.players * ENTRIES_PER_PLAYER
        start = int(self.players * 0.382)  # near the golden ratio: the steps spread evenly
        self.stride = next(s for s in range(start, self.players) if gcd(s, self.players - 1) == 1)
        heavy = self.players // HEAVY_SHARE
        self.follow_rows = heavy * HEAVY_FOLLOWING + (self.players - heavy) * FOLLOWING
        # Player ids are 1-based (as the leaderboard bench loads them).
        self.readers = [p for p in range(1, self.players + 1) if p % HEAVY_SHARE != 0]
        self.heavy = [p for p in range(1, self.players + 1) if p % HEAVY_SHARE == 0]

    def followees(self, follower: int) -> list[int]:
        count = HEAVY_FOLLOWING if follower % HEAVY_SHARE == 0 else FOLLOWING
        start = follower * HASH % (self.players - 1)
        return [
            (follower + (k * self.stride + start) % (self.players - 1)) % self.players + 1
            for k in range(count)
        ]

    def follows_select(self, follower: str, k: str) -> str:
        """The same formula in SQL, over columns `follower` and `k`."""
        n = self.players
        return (
            f"SELECT 1, {follower}, ({follower} + ({k} * {self.stride}"
            f" + {follower} * {HASH} % {n - 1}) % {n - 1}) % {n} + 1, '{CREATED}'"
        )

    def entry_rows(self) -> list[tuple[int, int, str, str]]:
        rng = random.Random(9)
        return [
            (index + 1, rng.randrange(1, self.players + 1), KINDS[index % 4], ENTRY_DATA)
            for index in range(self.entries)
        ]


def _postgres_indexes(connection: psycopg.Connection[Any], table: str) -> list[str]:
    """Drop the table's secondary indexes (and the unique constraint's) for a bulk load;
    returns the statements that put them back as they were."""
    restore = []
    for name, definition, constraint in connection.execute(
        "SELECT i.indexname, i.indexdef, c.conname FROM pg_indexes i"
        " LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.contype = 'u'"
        " WHERE i.tablename = %s AND i.indexname NOT LIKE 'pk_%%'",
        (table,),
    ).fetchall():
        if constraint:
            connection.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            restore += [
                definition,
                f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}",
            ]
        else:
            connection.execute(f"DROP INDEX {name}")
            restore.append(definition)
    return restore


def load_social_postgres(conninfo: str, shape: Shape) -> float:
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SET maintenance_work_mem = '512MB'")
        # Foreign keys are checked by triggers, row by row; the rows below are known good.
        connection.execute("SET session_replication_role = replica")
        restore = _postgres_indexes(connection, "social_follows")
        restore += _postgres_indexes(connection, "activity_entries")
        connection.execute(
            "INSERT INTO social_follows (app_id, follower_id, followee_id, created_at) "
            + shape.follows_select("f", "k")
            + f" FROM generate_series(1, {shape.players}) f, generate_series(0,"
            f" CASE WHEN f % {HEAVY_SHARE} = 0 THEN {HEAVY_FOLLOWING} ELSE {FOLLOWING} END - 1) k"
        )
        entries = io.StringIO()
        for entry, player, kind, data in shape.entry_rows():
            entries.write(f"{entry}\t1\t{player}\t{kind}\t{data}\t{entry}\t0\t{CREATED}\n")
        with connection.cursor().copy(
            "COPY activity_entries (id, app_id, player_id, kind, data, event_seq, cheers,"
            " created_at) FROM STDIN"
        ) as copy:
            copy.write(entries.getvalue())
        connection.execute(f"SELECT setval('activity_entries_id_seq', {shape.entries})")
        for statement in restore:
            connection.execute(statement)
        connection.execute("VACUUM ANALYZE social_follows")
        connection.execute("VACUUM ANALYZE activity_entries")
    return time.perf_counter() - started


def load_social_sqlite(path: Path, shape: Shape) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -1000000")
    # Indexes built once after the load (a sort) rather than row by row.
    restore = [
        sql
        for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('social_follows', 'activity_entries')"
        )
    ]
    connection.execute("BEGIN")
    for statement in restore:
        connection.execute("DROP INDEX " + statement.split()[2])
    connection.execute("CREATE TEMP TABLE bench_k (k INTEGER PRIMARY KEY)")
    connection.executemany("INSERT INTO bench_k VALUES (?)", ((k,) for k in range(HEAVY_FOLLOWING)))
    connection.execute(
        "INSERT INTO social_follows (app_id, follower_id, followee_id, created_at)"
        " WITH RECURSIVE n(f) AS (SELECT 1 UNION ALL"
        f" SELECT f + 1 FROM n WHERE f < {shape.players}) "
        + shape.follows_select("n.f", "bench_k.k")
        + f" FROM n CROSS JOIN bench_k WHERE bench_k.k < CASE WHEN n.f % {HEAVY_SHARE} = 0"
        f" THEN {HEAVY_FOLLOWING} ELSE {FOLLOWING} END"
    )
    connection.executemany(
        "INSERT INTO activity_entries (id, app_id, player_id, kind, data, event_seq, cheers,"
        f" created_at) VALUES (?, 1, ?, ?, ?, NULL, 0, '{CREATED}')",
        shape.entry_rows(),
    )
    for statement in restore:
        connection.execute(statement)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started
