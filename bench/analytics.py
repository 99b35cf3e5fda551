"""Benchmark: analytics reads at a large scale, and what keeping the rollups costs the
worker. Prints figures; asserts nothing.

1. Reads. An app of `--players` players (default 1,000,000) with 120 days of history is
   synthesized straight into the rollup tables with bulk inserts (generating 100M events
   through the worker is out of reach here): the daily counts of a realistic shape (about
   15% of players active a day, 8 events each), a first day for every player and one
   active day, week and month row per player, and a snapshot of each distribution. Then
   p50/p99 of every figure over a 90-day range, as the route calls the service, on SQLite
   and on PostgreSQL (a server started on loopback; `--no-postgres` skips it).
   The raw baseline, in the same run: the first figure (distinct active players and events
   per day over 90 days) asked of a plain event table of `--raw-events` events (default
   1,000,000 events of 10,000 players) with an index on (app, time) — at a hundredth of
   the scale, and still slower.
2. Per-event cost. The same events (SkillQuest attempts of `--players-processed` players
   over 60 days) processed by the worker into two fresh SQLite databases, one worker with
   the analytics projection and one without, alternately: events/s of each, and the
   difference per event.

    python bench/analytics.py [--players 1000000] [--samples 200] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questline.analytics import service  # noqa: E402
from questline.analytics.model import DateRange, Interval, periods_of  # noqa: E402
from questline.analytics.snapshots import FIGURES  # noqa: E402
from questline.analytics.worker_wiring import install_worker  # noqa: E402
from questline.processing.designs import DesignCache  # noqa: E402
from questline.processing.ingest import NewEvent, ingest  # noqa: E402
from questline.processing.worker import Worker  # noqa: E402
from questline.seeding import publish_file  # noqa: E402
from questline.storage.apps import ensure_app  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.storage.models import Item  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

TODAY = date(2026, 6, 30)
DAYS = 120
RUNS = 3
RANGE = DateRange.of(TODAY - timedelta(days=89), TODAY)


def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def _counts(players: int) -> list[tuple[object, ...]]:
    rng = random.Random(1)
    rows: list[tuple[object, ...]] = []
    weeks: dict[date, int] = {}
    months: dict[date, int] = {}
    for n in range(DAYS):
        day = TODAY - timedelta(days=n)
        active = int(players * rng.uniform(0.12, 0.18))
        new = int(players / DAYS * rng.uniform(0.8, 1.2))
        rows += [
            ("events", day, "", active * 8),
            ("awarded", day, "xp", active * 420),
            ("awarded", day, "gems", active * 12),
            ("active", day, "day", active),
            ("new_players", day, "", new),
            ("retained", day, "1", new * 4 // 10),
            ("retained", day, "7", new * 2 // 10),
            ("retained", day, "30", new // 10),
        ]
        weeks[periods_of(day)[1][1]] = int(active * 2.5)
        months[periods_of(day)[2][1]] = int(active * 4)
    rows += [("active", d, "week", v) for d, v in weeks.items()]
    rows += [("active", d, "month", v) for d, v in months.items()]
    return rows


def _snapshot(figure: str, players: int) -> str:
    data: dict[str, object] = {"players": players}
    if figure == "levels":
        data["progressions"] = [
            {
                "currency": "xp",
                "levels": [{"level": n, "players": players // 10} for n in range(1, 11)],
            }
        ]
    elif figure == "streaks":
        data["streaks"] = [{"streak": "daily", "buckets": [{"length": "0", "players": players}]}]
    elif figure == "achievements":
        data["achievements"] = [
            {
                "achievement": f"a{n}",
                "name": f"A{n}",
                "players": players // (n + 1),
                "share": 1 / (n + 1),
            }
            for n in range(20)
        ]
    else:
        data["quests"] = [{"quest": "q", "name": "Q", "steps": [{"step": "started", "players": 9}]}]
    return json.dumps(data)


def _player_rows(
    players: int,
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str, str]]]:
    rng = random.Random(2)
    firsts, activity = [], []
    for pid in range(1, players + 1):
        day = TODAY - timedelta(days=rng.randrange(DAYS))
        firsts.append((1, pid, day.isoformat()))
        for interval, start in periods_of(day):
            activity.append((1, pid, interval.value, start.isoformat()))
    return firsts, activity


def load_sqlite(path: Path, players: int) -> float:
    started = time.perf_counter()
    firsts, activity = _player_rows(players)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "INSERT INTO apps (id, slug, name, created_at, settings)"
            " VALUES (1, 'bench', 'Bench', '2026-01-01 00:00:00', '{}')"
        )
        connection.executemany(
            "INSERT INTO analytics_counts VALUES (1, ?, ?, ?, ?)",
            [(f, d.isoformat(), k, v) for f, d, k, v in _counts(players)],  # type: ignore[union-attr]
        )
        connection.executemany("INSERT INTO analytics_players VALUES (?, ?, ?)", firsts)
        connection.executemany("INSERT INTO analytics_activity VALUES (?, ?, ?, ?)", activity)
        connection.executemany(
            "INSERT INTO analytics_snapshots VALUES (1, ?, '2026-06-30 12:00:00.000000', ?)",
            [(f, _snapshot(f, players)) for f in FIGURES],
        )
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def load_postgres(conninfo: str, players: int) -> float:
    started = time.perf_counter()
    firsts, activity = _player_rows(players)
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO apps (id, slug, name, created_at, settings)"
            " VALUES (1, 'bench', 'Bench', now(), '{}')"
        )
        for table, rows in (
            ("analytics_counts", [(1, f, d, k, v) for f, d, k, v in _counts(players)]),
            ("analytics_players", firsts),
            ("analytics_activity", activity),
        ):
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for figure in FIGURES:
            cursor.execute(
                "INSERT INTO analytics_snapshots VALUES (1, %s, now(), %s::jsonb)",
                (figure, _snapshot(figure, players)),
            )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _reads(database: Database) -> dict[str, Callable[[], object]]:
    designs = DesignCache()

    def read(call: Callable[..., object], *args: object) -> Callable[[], object]:
        def run() -> object:
            with database.reader() as session:
                return call(session, *args)

        return run

    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    found: dict[str, Callable[[], object]] = {
        f"activity ({interval.value})": read(service.activity, 1, RANGE, interval)
        for interval in Interval
    }
    found["awards"] = read(service.awards, 1, RANGE)
    found["new players"] = read(service.new_players, 1, RANGE)
    found["retention"] = read(service.retention, 1, RANGE, now)
    for figure in FIGURES:
        found[figure] = read(service.distribution, designs, 1, figure, now)
    return found


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


def measure_reads(name: str, database: Database, samples: int) -> None:
    reads = _reads(database)
    timings: dict[str, list[float]] = {label: [] for label in reads}
    for _ in range(samples):  # interleaved: drifting load falls on every read alike
        for label, call in reads.items():
            started = time.perf_counter()
            call()
            timings[label].append(time.perf_counter() - started)
    print(f"  {name}: each figure over 90 days ({samples} samples)")
    for label, found in timings.items():
        print(f"    {label:22} {_percentiles(found)}")


def raw_baseline_sqlite(path: Path, events: int, samples: int) -> None:
    players = max(events // 100, 1)
    rng = random.Random(3)
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE raw_events (app_id INTEGER, player_id INTEGER, occurred_at TEXT)"
    )
    start = datetime(2026, 4, 2, tzinfo=UTC)
    connection.executemany(
        "INSERT INTO raw_events VALUES (1, ?, ?)",
        (
            (
                rng.randrange(players),
                (start + timedelta(seconds=rng.randrange(90 * 86400))).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
            )
            for _ in range(events)
        ),
    )
    connection.execute("CREATE INDEX raw_events_time ON raw_events (app_id, occurred_at)")
    connection.commit()
    query = (
        "SELECT substr(occurred_at, 1, 10), count(DISTINCT player_id), count(*) FROM raw_events"
        " WHERE app_id = 1 AND occurred_at >= ? AND occurred_at < ? GROUP BY 1"
    )
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        connection.execute(query, ("2026-04-02", "2026-07-01")).fetchall()
        timings.append(time.perf_counter() - started)
    connection.close()
    print("    raw baseline, SQLite: active players and events per day over 90 days from a plain")
    print(f"    table of {events:,} events of {players:,} players   {_percentiles(timings)}")


def raw_baseline_postgres(conninfo: str, events: int, samples: int) -> None:
    players = max(events // 100, 1)
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE raw_events AS SELECT 1 AS app_id, (random() * %s)::int AS player_id,"
            " timestamptz '2026-04-02' + random() * interval '90 days' AS occurred_at"
            " FROM generate_series(1, %s)",
            (players, events),
        )
        cursor.execute("CREATE INDEX raw_events_time ON raw_events (app_id, occurred_at)")
        cursor.execute("ANALYZE raw_events")
        connection.commit()
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            cursor.execute(
                "SELECT date_trunc('day', occurred_at), count(DISTINCT player_id), count(*)"
                " FROM raw_events WHERE app_id = 1 AND occurred_at >= '2026-04-02'"
                " AND occurred_at < '2026-07-01' GROUP BY 1"
            )
            cursor.fetchall()
            timings.append(time.perf_counter() - started)
    print(
        f"    raw baseline, PostgreSQL: the same over {events:,} events of {players:,} players"
        f"   {_percentiles(timings)}"
    )


def _processing_database(path: Path, players: int) -> tuple[Database, int]:
    url = f"sqlite:///{path}"
    _migrated(url)
    database = Database(url, sqlite_synchronous="NORMAL")
    publish_file(database, "default", ROOT / "blueprints" / "skillquest.yaml")
    rng = random.Random(4)
    now = datetime.now(UTC)
    with database.transaction() as session:
        app = ensure_app(session, "default")
        for key, xp in (("a", 100), ("b", 150), ("c", 250)):
            session.add(
                Item(
                    app_id=app.id,
                    key=key,
                    kind="challenge",
                    attributes={"xp": xp, "pass_score": 70},
                    names={},
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.flush()
        events = []
        for number in range(players * 10):
            who = rng.randrange(players)
            at = now - timedelta(days=60) + timedelta(seconds=rng.randrange(60 * 86400))
            events.append(
                NewEvent(
                    "attempt.submitted",
                    f"p{who}",
                    key=f"e{number}",
                    occurred_at=at,
                    item=rng.choice("abc"),
                    properties={"score": rng.randint(40, 100)},
                )
            )
        events.sort(key=lambda e: e.occurred_at or now)
        ingest(session, app.id, events, now)
    return database, len(events)


def measure_processing(workdir: Path, players: int) -> None:
    rates: dict[bool, list[float]] = {True: [], False: []}
    for run in range(RUNS):
        for with_analytics in (False, True):
            database, count = _processing_database(workdir / f"p{run}-{with_analytics}.db", players)
            worker = Worker(database)
            if with_analytics:
                install_worker(worker)
            started = time.perf_counter()
            done = worker.drain(batch=500)
            rates[with_analytics].append(done / (time.perf_counter() - started))
            database.dispose()
    without, with_ = statistics.median(rates[False]), statistics.median(rates[True])
    runs = {k: ", ".join(f"{r:,.0f}" for r in v) for k, v in rates.items()}
    print(f"  processing {count:,} events of {players:,} players over 60 days")
    print(f"  (SQLite, batches of 500, {RUNS} runs each, alternating; medians):")
    print(f"    without analytics   {without:8,.0f} events/s   (runs: {runs[False]})")
    print(f"    with analytics      {with_:8,.0f} events/s   (runs: {runs[True]})")
    extra = 1e6 / with_ - 1e6 / without
    print(f"    rollups add {extra:6.1f} µs per event ({(without / with_ - 1) * 100:4.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--raw-events", type=int, default=1_000_000)
    parser.add_argument("--players-processed", type=int, default=1_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"analytics: an app of {args.players:,} players, {DAYS} days of rollups; reads over 90 days"
    )
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'reads.db'}"
        _migrated(url)
        seconds = load_sqlite(workdir / "reads.db", args.players)
        print(f"  load SQLite (executemany):   {seconds:6.1f} s")
        sqlite = Database(url, sqlite_synchronous="NORMAL")
        try:
            measure_reads("SQLite", sqlite, args.samples)
        finally:
            sqlite.dispose()
        raw_baseline_sqlite(workdir / "raw.db", args.raw_events, max(args.samples // 20, 3))
        if not args.no_postgres:
            with PostgresServer() as pg:
                pg_url = pg.create_database("bench")
                _migrated(pg_url)
                seconds = load_postgres(pg.conninfo_for("bench"), args.players)
                print(f"  load PostgreSQL (COPY):      {seconds:6.1f} s")
                postgres = Database(pg_url)
                try:
                    measure_reads("PostgreSQL", postgres, args.samples)
                finally:
                    postgres.dispose()
                raw_baseline_postgres(
                    pg.conninfo_for("bench"), args.raw_events, max(args.samples // 20, 3)
                )
        measure_processing(workdir, args.players_processed)


if __name__ == "__main__":
    main()
