"""Benchmark: the worker's CPU per event, in-process, on a SQLite file — what the worker
spends turning logged events into effects: the batch's reads, the engine's `step`, the
ledger, balance and counter writes, the boards, leagues, notifications, activity and
analytics projections a server's worker writes with each batch. Prints figures; asserts
nothing, but checks that the ledger sums to the balances and the events are processed.

The design is blueprints/productivity.yaml with two leaderboards added (all time and
weekly XP), so the board projection has work as it does in a real design. The events
(tasks, some high-priority, and focus sessions) are appended beforehand, untimed; each
round then times `Worker.drain` in batches of `--batch` with the process's CPU time
(`time.process_time`: SQLite runs in this process, so its work counts too), with the
garbage collector set as a worker process sets it at start, and right
after it two baselines that no change to the worker moves:

- raw SQL: the rows one batch must write at least (the events' processed marks, one
  ledger entry and one balance upsert per event) with plain sqlite3 `executemany`, one
  transaction per batch, same journal mode and synchronous setting;
- pure engine: the same events through `step` alone, states in a dict (no I/O).

Each round's ratio to its raw baseline is printed with min / median / max, since the
machine's load moves the rates much more than the ratios.

    python bench/processing.py [--events 20000] [--players 2000] [--batch 1000] [--rounds 3]
                               [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.mechanics import seeded  # noqa: E402

from questline.composition import extend_worker  # noqa: E402
from questline.engine.compiler import compile_design  # noqa: E402
from questline.engine.process import step  # noqa: E402
from questline.engine.state import Event, PlayerState  # noqa: E402
from questline.processing.designs import DesignCache  # noqa: E402
from questline.processing.dispatch import relax_garbage_collection  # noqa: E402
from questline.processing.worker import Worker  # noqa: E402
from questline.settings import Settings  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.yamlfile import load_yaml  # noqa: E402

SYNCHRONOUS = "FULL"  # the server's default
RAW_SECONDS = 0.5


def design() -> dict[str, Any]:
    document = load_yaml((ROOT / "blueprints" / "productivity.yaml").read_text(encoding="utf-8"))
    document["leaderboards"] = {
        "xp": {"name": "XP", "rank_by": "currency.xp"},
        "weekly_xp": {"name": "XP this week", "rank_by": "currency.xp", "period": "week"},
    }
    return document


Planned = tuple[str, str, datetime, dict[str, Any]]


def make_events(count: int, players: int, start: datetime) -> list[Planned]:
    rng = random.Random(7)
    found: list[Planned] = []
    for index in range(count):
        at = start + timedelta(seconds=index * 20)
        player = f"p{rng.randrange(players)}"
        if rng.random() < 0.6:
            props: dict[str, Any] = {"priority": "high"} if rng.random() < 0.3 else {}
            found.append((player, "task.completed", at, props))
        else:
            found.append((player, "focus.session", at, {"minutes": rng.randrange(5, 120)}))
    return found


def prepare(url: str, document: dict[str, Any], events: list[Planned]) -> Database:
    return seeded(url, document, events, SYNCHRONOUS)


def worker_seconds(
    database: Database, batch: int, profiler: cProfile.Profile | None
) -> tuple[float, int]:
    """CPU seconds of draining every pending event, and how many there were."""
    worker = Worker(database, DesignCache())
    extend_worker(worker, Settings(database_url=database.url))
    began = time.process_time()
    if profiler is not None:
        profiler.enable()
    done = worker.drain(batch=batch)
    if profiler is not None:
        profiler.disable()
    return time.process_time() - began, done


def check(database: Database, expected: int) -> str:
    with database.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        processed = raw.execute("SELECT count(*) FROM events WHERE status = 'processed'")
        done = processed.fetchone()[0]
        mismatched = raw.execute(
            "SELECT count(*) FROM balances b WHERE b.balance != (SELECT coalesce(sum(amount), 0)"
            " FROM ledger_entries l WHERE l.player_id = b.player_id AND l.currency = b.currency)"
        ).fetchone()[0]
    if done != expected or mismatched:
        return f"WRONG: {done} of {expected} processed, {mismatched} balances off their ledger"
    return "ok: every event processed, every balance equals its ledger's sum"


def raw_seconds(events: list[Planned], batch: int, workdir: Path) -> float:
    """CPU seconds per event of writing one batch's minimum rows with plain sqlite3,
    repeated for at least RAW_SECONDS of wall time."""
    path = workdir / "raw.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    connection.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, status TEXT, processed_at TEXT,"
        " effects TEXT)"
    )
    connection.execute(
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, player TEXT, currency TEXT, amount INT,"
        " balance_after INT, cause TEXT, event_seq INT, explanation TEXT)"
    )
    connection.execute(
        "CREATE TABLE balances (player TEXT, currency TEXT, balance INT,"
        " PRIMARY KEY (player, currency))"
    )
    connection.executemany(
        "INSERT INTO events VALUES (?, 'pending', NULL, NULL)", [(i,) for i in range(len(events))]
    )
    written = 0
    began, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - began < RAW_SECONDS:
        for first in range(0, len(events), batch):
            chunk = list(enumerate(events[first : first + batch], start=first))
            connection.execute("BEGIN")
            connection.executemany(
                "UPDATE events SET status = 'processed', processed_at = ?, effects = ?"
                " WHERE seq = ?",
                [("2026-01-01T00:00:00", '[{"type": "currency_awarded"}]', i) for i, _ in chunk],
            )
            connection.executemany(
                "INSERT INTO ledger (player, currency, amount, balance_after, cause, event_seq,"
                " explanation) VALUES (?, 'xp', 10, 10, 'rule', ?, 'XP for a task')",
                [(p, i) for i, (p, *_) in chunk],
            )
            connection.executemany(
                "INSERT INTO balances VALUES (?, 'xp', 10) ON CONFLICT (player, currency)"
                " DO UPDATE SET balance = balance + 10",
                [(p,) for _, (p, *_) in chunk],
            )
            connection.execute("COMMIT")
            written += len(chunk)
    seconds = time.process_time() - cpu
    connection.close()
    path.unlink()
    return seconds / written


def engine_seconds(document: dict[str, Any], events: list[Planned]) -> float:
    """CPU seconds per event of `step` alone."""
    compiled = compile_design(document, 1)
    states: dict[str, PlayerState] = {}
    began = time.process_time()
    for seq, (player, type_, at, props) in enumerate(events):
        state = states.get(player) or PlayerState(player)
        values = {k: Decimal(v) if isinstance(v, int) else v for k, v in props.items()}
        event = Event(seq, type_, at, "Europe/Berlin", values)
        _, states[player] = step(state, event, compiled)
    return (time.process_time() - began) / len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="write the worker's cProfile stats to this file")
    args = parser.parse_args()
    relax_garbage_collection()  # as a worker process does when it starts
    document = design()
    start = datetime.now(UTC) - timedelta(seconds=args.events * 20)
    events = make_events(args.events, args.players, start)
    profiler = cProfile.Profile() if args.profile else None
    print(
        f"{args.events:,} events, {args.players:,} players, batches of {args.batch:,},"
        f" productivity blueprint + 2 boards, SQLite synchronous={SYNCHRONOUS}; CPU time"
    )
    print(f"{'round':>5} {'worker':>10} {'raw SQL':>10} {'ratio':>7} {'engine':>10}  check")
    ratios, workers = [], []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for number in range(1, args.rounds + 1):
            database = prepare(f"sqlite:///{workdir / f'round{number}.db'}", document, events)
            seconds, done = worker_seconds(database, args.batch, profiler)
            verdict = check(database, len(events))
            database.dispose()
            per_event = seconds / max(done, 1)
            raw = raw_seconds(events, args.batch, workdir)
            engine = engine_seconds(document, events)
            ratios.append(per_event / raw)
            workers.append(per_event)
            print(
                f"{number:>5} {per_event * 1e6:>8.0f}µs {raw * 1e6:>8.1f}µs"
                f" {per_event / raw:>6.1f}× {engine * 1e6:>8.1f}µs  {verdict}"
            )
    print(
        f"worker CPU per event: median {statistics.median(workers) * 1e6:.0f} µs"
        f" ({1 / statistics.median(workers):,.0f} events/s of one core);"
        f" ratio to raw SQL min {min(ratios):.1f}× / median {statistics.median(ratios):.1f}×"
        f" / max {max(ratios):.1f}×"
    )
    if profiler is not None:
        profiler.dump_stats(args.profile)
        print(f"profile of the worker (all rounds) written to {args.profile}")


if __name__ == "__main__":
    main()
