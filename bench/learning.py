"""Benchmark: the learning module's review queue and reviews, on SQLite and PostgreSQL.
Prints figures; asserts nothing.

One course of 20,000 vocabulary cards; a "hot" player holds a memory state for every one
of them (18,000 in review, due over the past 30 and the next 365 days; 1,000 learning; 1,000
new) and five other players as many, so the table holds 120,000 states. Then:

- the due queue (`reviews.due_queue`, 20 cards: the counts, the due cards, the new ones
  mixed in) read again and again, next to its raw baseline in the same run: the same
  index read by hand (one SELECT of the 20 soonest due cards, through the driver);
- reviews, one transaction each as the API runs them (memory state, review row,
  `review.completed` appended to the event log; nobody processes the events), next to the
  raw baseline: the same three writes by hand in one transaction.

Sequential, one connection. The machine may be shared: read figures next to their
baseline, not alone.

    python bench/learning.py [--cards 20000] [--reads 500] [--reviews 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402

from questline.learning import reviews, service  # noqa: E402
from questline.learning.settings import LearningSettings  # noqa: E402
from questline.processing.dispatch import NoDispatcher  # noqa: E402
from questline.processing.submission import EventFlow  # noqa: E402
from questline.processing.worker import Worker  # noqa: E402
from questline.storage.apps import ensure_app  # noqa: E402
from questline.storage.bulk import BulkWriter  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.storage.players import ensure_player  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

OTHER_PLAYERS = 5


class _Bench:
    app_id = 0
    actor = "bench"


def course(cards: int) -> dict[str, Any]:
    per_lesson, per_unit = 100, 20
    lessons = [
        {
            "id": f"l{n}",
            "title": f"Lesson {n}",
            "cards": [f"c{i}" for i in range(n * per_lesson, min(cards, (n + 1) * per_lesson))],
        }
        for n in range((cards + per_lesson - 1) // per_lesson)
    ]
    units = [
        {"id": f"u{u}", "title": f"Unit {u}", "lessons": lessons[u * per_unit : (u + 1) * per_unit]}
        for u in range((len(lessons) + per_unit - 1) // per_unit)
    ]
    return {
        "title": "Bench",
        "units": units,
        "cards": [{"id": f"c{i}", "word": f"w{i}", "translation": f"t{i}"} for i in range(cards)],
    }


def load(database: Database, cards: int, now: datetime) -> tuple[int, int]:
    """The course and every player's states; returns (app id, hot player's id)."""
    with database.transaction() as session:
        who = _Bench()
        who.app_id = ensure_app(session, "default").id
        service.import_course(session, who, "bench", course(cards), comment=None, now=now)
        players = [ensure_player(session, who.app_id, f"p{n}", now).id for n in range(6)]
        card_ids = [
            row[0]
            for row in BulkWriter(session).fetch(
                "SELECT id FROM learning_cards WHERE app_id = ? ORDER BY position", who.app_id
            )
        ]
    rng = random.Random(7)
    for player in players:
        rows = []
        for rank, card in enumerate(card_ids):
            kind = rank % 20
            if kind == 0:  # new
                state, due, stability = 0, None, None
            elif kind == 1:  # learning, due within the day
                state, due, stability = 1, now + timedelta(minutes=rng.randrange(-60, 600)), 1.0
            else:  # review, due from 30 days ago to a year ahead
                state = 2
                due = now + timedelta(minutes=rng.randrange(-30 * 1440, 365 * 1440))
                stability = rng.uniform(1, 300)
            rows.append((player, card, state, due, stability, rank))
        with database.transaction() as session:
            bulk = BulkWriter(session)
            bulk.executemany(
                "INSERT INTO learning_card_states (player_id, card_id, state, step, stability,"
                " difficulty, due, last_review, reps, lapses, rank, active, introduced_at)"
                " VALUES (?, ?, ?, NULL, ?, 5.0, ?, NULL, 1, 0, ?, TRUE, ?)",
                [
                    (p, c, s, st, bulk.timestamp(d) if d else None, r, bulk.timestamp(now))
                    for p, c, s, d, st, r in rows
                ],
            )
    if database.dialect == "postgresql":
        with database.engine.begin() as connection:
            # What autovacuum does after a bulk load; the planner needs the counts.
            connection.exec_driver_sql("ANALYZE")
    return who.app_id, players[0]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"


def measure_queue(database: Database, app_id: int, player_id: int, reads: int) -> None:
    defaults = LearningSettings()
    now = datetime.now(UTC)
    with database.reader() as session:
        queue = reviews.due_queue(session, app_id, "p0", 20, defaults, now)
    print(f"  queue: {queue.due_today:,} due today, {queue.new_today} new offered")
    ours: list[float] = []
    raw: list[float] = []
    # Interleaved, so that a busy moment of a shared machine hits both alike.
    for _ in range(reads):
        began = time.perf_counter()
        with database.reader() as session:
            reviews.due_queue(session, app_id, "p0", 20, defaults, now)
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        with database.reader() as session:
            BulkWriter(session).fetch(
                "SELECT card_id, due FROM learning_card_states WHERE player_id = ?"
                " AND active = TRUE AND due < ? ORDER BY due, rank LIMIT 20",
                player_id,
                BulkWriter(session).timestamp(queue.day.ends_at),
            )
        raw.append(time.perf_counter() - began)
    print(f"  due queue (service, 20 cards):     {percentiles(ours)}")
    print(f"  raw baseline (one index read):     {percentiles(raw)}")


def measure_reviews(database: Database, app_id: int, player_id: int, count: int) -> None:
    flow = EventFlow(database, Worker(database), NoDispatcher())
    defaults = LearningSettings()
    now = datetime.now(UTC)
    with database.reader() as session:
        keys = [
            (row[0], row[1])
            for row in BulkWriter(session).fetch(
                "SELECT c.key, c.id FROM learning_card_states s JOIN learning_cards c"
                " ON c.id = s.card_id WHERE s.player_id = ? AND s.state = 2"
                " ORDER BY s.due LIMIT ?",
                player_id,
                2 * count,
            )
        ]
    began = time.perf_counter()
    for index, (key, _) in enumerate(keys[:count]):
        with database.transaction() as session:
            reviews.record_review(
                session,
                flow,
                app_id,
                "p0",
                reviews.ReviewGiven(key, 3, f"bench-{index}", now, 4000),
                defaults,
                now,
            )
    ours = count / (time.perf_counter() - began)
    stamp = None
    began = time.perf_counter()
    for index, (_, card_id) in enumerate(keys[count : 2 * count]):
        with database.transaction() as session:
            bulk = BulkWriter(session)
            stamp = stamp or bulk.timestamp(now)
            bulk.executemany(
                "UPDATE learning_card_states SET stability = stability * 2, due = ?,"
                " reps = reps + 1"
                " WHERE player_id = ? AND card_id = ?",
                [(stamp, player_id, card_id)],
            )
            bulk.executemany(
                "INSERT INTO learning_reviews (app_id, player_id, card_id, key, rating,"
                " reviewed_at, duration_ms, state_before, state_after, stability, difficulty,"
                " due, retrievability, event_key, created_at)"
                " VALUES (?, ?, ?, ?, 3, ?, 4000, 2, 2, 10.0, 5.0, ?, 0.9, ?, ?)",
                [(app_id, player_id, card_id, f"raw-{index}", stamp, stamp, f"raw-{index}", stamp)],
            )
            bulk.executemany(
                "INSERT INTO events (app_id, key, player_id, type, occurred_at, received_at,"
                " time_zone, properties, item_key, status) VALUES (?, ?, ?, 'review.completed',"
                " ?, ?, 'UTC', '{}', NULL, 'pending')",
                [(app_id, f"raw-{index}", player_id, stamp, stamp)],
            )
    raw = count / (time.perf_counter() - began)
    print(f"  reviews (service, 1 per transaction): {ours:7.0f} reviews/s")
    print(f"  raw baseline (the 3 writes by hand):  {raw:7.0f} reviews/s")


def run(label: str, url: str, args: argparse.Namespace, **options: Any) -> None:
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    database = Database(url, **options)
    try:
        began = time.perf_counter()
        app_id, player_id = load(database, args.cards, datetime.now(UTC))
        print(
            f"\n{label}: {args.cards:,} cards, {6 * args.cards:,} memory states"
            f" (loaded in {time.perf_counter() - began:.0f} s)"
        )
        measure_queue(database, app_id, player_id, args.reads)
        measure_reviews(database, app_id, player_id, args.reviews)
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--reviews", type=int, default=1000)
    args = parser.parse_args()
    print("learning: due-queue reads and reviews, sequential, one connection")
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp, PostgresServer() as pg:
        run(
            "SQLite (synchronous=NORMAL)",
            f"sqlite:///{Path(tmp) / 'bench.db'}",
            args,
            sqlite_synchronous="NORMAL",
        )
        run("PostgreSQL", pg.create_database("bench"), args)


if __name__ == "__main__":
    main()
