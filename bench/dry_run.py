"""Benchmark: how fast a dry run replays a large event log, beside its raw baselines from
the same run. Prints figures; asserts nothing.

The same kind of events under the same design (the productivity blueprint with a score,
as in bench/mechanics.py). Baselines, over a sample of events (`--sample`): the pure
engine's rate (`step` over events held in memory: the ceiling; the goal is at least half
of it) and the live worker's rate processing them from the log on a SQLite file — the
live path from the log to state — and a dry run over that sample's log, where live state
exists, to show it reproduces the worker (0 players differing).

Then the measured figure: a log of `--events` events (1,000,000 by default) is seeded
straight into a SQLite file with multi-row inserts (as processed events; no live state is
built, so every player the replay scores differs from their empty live state: the
comparison costs the same) and a dry run replays all of it, in a process of its own so
its peak resident memory is its own. `--profile` runs that dry run under cProfile and
prints where the time goes.

    python bench/dry_run.py [--events 1000000] [--players 10000] [--sample 20000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import pstats
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine

from mechanics import START, designs, engine_rate, make_events, worker_rate
from questline.processing.designs import DesignCache
from questline.processing.dry_runs import run_dry_run
from questline.services.dry_runs import request_dry_run
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import DryRun
from questline.storage.schema import migrate

SAMPLE_MINUTES_PER_EVENT = 3  # as make_events spaces the sample


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def iter_events(count: int, players: int, span: timedelta) -> Iterator[tuple[Any, ...]]:
    """make_events' mix (60 % tasks, 40 % focus sessions of 5–119 minutes), streamed,
    spread over `span` so each player's days look like the sample's."""
    rng = random.Random(7)
    step = span / count
    for index in range(count):
        at = START + step * index
        if rng.random() < 0.6:
            yield (rng.randrange(players), "task.completed", at, "{}")
        else:
            minutes = rng.randrange(5, 120)
            yield (rng.randrange(players), "focus.session", at, json.dumps({"minutes": minutes}))


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as the column stores it


def seed_log(
    path: Path, document: dict[str, Any], events: int, players: int, span: timedelta
) -> float:
    """A SQLite file with the design published and `events` processed events of
    `players` players, written with multi-row inserts; the seconds it took."""
    began = time.perf_counter()
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    database = Database(url, sqlite_synchronous="OFF")
    with database.transaction() as session:
        app = ensure_app(session)
        configs.publish(session, app.id, document, source=None, comment=None, created_by=None)
        app_id = app.id
    database.dispose()
    now = _stamp(datetime.now(UTC))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO players (id, app_id, external_id, time_zone, attributes, created_at,"
        " updated_at) VALUES (?, ?, ?, 'Europe/Berlin', '{}', ?, ?)",
        [(number + 1, app_id, f"p{number}", now, now) for number in range(players)],
    )
    rows = (
        (
            app_id,
            f"e{index}",
            player + 1,
            type_,
            _stamp(at),
            now,
            "Europe/Berlin",
            properties,
            "processed",
            now,
            1,
        )
        for index, (player, type_, at, properties) in enumerate(iter_events(events, players, span))
    )
    connection.executemany(
        "INSERT INTO events (app_id, key, player_id, type, occurred_at, received_at,"
        " time_zone, properties, item_key, status, processed_at, config_version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        rows,
    )
    connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - began


def dry_run_over(url: str, document: dict[str, Any], profile: bool = False) -> dict[str, Any]:
    """Replay the whole log of `url` through `document`: rate, size, peak memory."""
    database = Database(url, sqlite_synchronous="NORMAL")
    with database.transaction() as session:
        run_id = request_dry_run(
            session, 1, dict(document), since=None, players=None, by="bench", now=datetime.now(UTC)
        ).id
    before = peak_mib()
    profiler = cProfile.Profile() if profile else None
    began = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    run_dry_run(database, DesignCache(), run_id)
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - began
    with database.reader() as session:
        row = session.get(DryRun, run_id)
        assert row is not None
        assert row.status == "finished", row.error
        assert row.report is not None
        report = row.report
    database.dispose()
    found: dict[str, Any] = {
        "rate": report["events"] / elapsed,
        "seconds": elapsed,
        "events": report["events"],
        "players": report["players"],
        "differing": report["players_differing"],
        "peak_before": before,
        "peak_after": peak_mib(),
    }
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        found["profile"] = out.getvalue()
    return found


def _in_child(url: str, document: dict[str, Any], profile: bool, answer: Any) -> None:
    answer.put(dry_run_over(url, document, profile))


def dry_run_in_own_process(url: str, document: dict[str, Any], profile: bool) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    answer = spawn.Queue()
    child = spawn.Process(target=_in_child, args=(url, document, profile, answer))
    child.start()
    found: dict[str, Any] = answer.get()
    child.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    full, _ = designs()
    per_player = max(1, args.events // args.players)
    sample = make_events(args.sample, max(1, args.sample // per_player))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        pure = engine_rate(full, sample)
        live = worker_rate(full, sample, workdir, "full")
        check = dry_run_over(f"sqlite:///{workdir / 'full.db'}", full)
        # Over the sample's weeks: each player's days look like the sample's.
        span = timedelta(minutes=SAMPLE_MINUTES_PER_EVENT * args.sample)
        seeding = seed_log(workdir / "large.db", full, args.events, args.players, span)
        large = dry_run_in_own_process(f"sqlite:///{workdir / 'large.db'}", full, args.profile)
    print(f"productivity blueprint + a score; {per_player} events per player")
    print(f"baselines over {args.sample:,} events, {len(sample) // per_player:,} players:")
    print(
        f"  pure engine (raw baseline)        {pure:>10,.0f} events/s"
        f"   goal for a dry run: ≥ {pure / 2:,.0f}"
    )
    print(f"  live worker, log to state         {live:>10,.0f} events/s")
    print(
        f"  dry run of that log               {check['rate']:>10,.0f} events/s"
        f"   ({check['differing']} players differing from live state)"
    )
    print(
        f"seeded {args.events:,} processed events of {args.players:,} players"
        f" with multi-row inserts in {seeding:,.1f} s"
    )
    print(
        f"  dry run over the whole log        {large['rate']:>10,.0f} events/s"
        f"   ({large['events']:,} events, {large['players']:,} players,"
        f" {large['seconds']:,.0f} s; {large['rate'] / pure:.0%} of the pure engine)"
    )
    print(
        f"  its process's peak memory: {large['peak_before']:,.0f} MiB before the run,"
        f" {large['peak_after']:,.0f} MiB after"
    )
    if args.profile:
        print(large["profile"])


if __name__ == "__main__":
    main()
