"""Benchmark: what achievements, streaks, quests and scores cost. Prints figures;
asserts nothing.

Each figure comes with its raw baseline from the same run: the same events under the
same design with the mechanics taken out (`achievements`, `streaks`, `quests`, `scores`
removed), first through the pure engine, then through the worker on a SQLite file. Last,
a score read computed from stored state against the same read from the cache.

    python bench/mechanics.py [--events 20000] [--players 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine  # noqa: E402

from questline.engine.compiler import compile_design  # noqa: E402
from questline.engine.process import step  # noqa: E402
from questline.engine.state import Event, PlayerState  # noqa: E402
from questline.processing.designs import DesignCache  # noqa: E402
from questline.processing.ingest import NewEvent, ingest  # noqa: E402
from questline.processing.worker import Worker  # noqa: E402
from questline.storage import configs  # noqa: E402
from questline.storage.apps import ensure_app  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402
from questline.yamlfile import load_yaml  # noqa: E402

MECHANICS = ("achievements", "streaks", "quests", "scores")
START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def designs() -> tuple[dict[str, Any], dict[str, Any]]:
    full = load_yaml((ROOT / "blueprints" / "productivity.yaml").read_text(encoding="utf-8"))
    full["scores"] = {
        "focus_score": {
            "formula": "metric.focus_minutes.week / 10 + metric.tasks.week",
            "max": 100,
            "tiers": [{"name": "high", "min": 50}, {"name": "low"}],
        }
    }
    bare = {key: value for key, value in full.items() if key not in MECHANICS}
    return full, bare


def make_events(count: int, players: int) -> list[tuple[str, str, datetime, dict[str, Any]]]:
    rng = random.Random(7)
    found = []
    for index in range(count):
        at = START + timedelta(minutes=index * 3)  # about 20 days for 10,000 events
        if rng.random() < 0.6:
            found.append((f"p{rng.randrange(players)}", "task.completed", at, {}))
        else:
            minutes = rng.randrange(5, 120)
            found.append((f"p{rng.randrange(players)}", "focus.session", at, {"minutes": minutes}))
    return found


def engine_rate(document: dict[str, Any], events: list[Any]) -> float:
    design = compile_design(document, 1)
    states: dict[str, PlayerState] = {}
    began = time.perf_counter()
    for seq, (player, type_, at, props) in enumerate(events):
        state = states.get(player) or PlayerState(player)
        values = {k: Decimal(v) for k, v in props.items()}
        _, states[player] = step(state, Event(seq, type_, at, "Europe/Berlin", values), design)
    return len(events) / (time.perf_counter() - began)


def seeded(url: str, document: dict[str, Any], events: list[Any], synchronous: str) -> Database:
    """A new database at ``url`` with ``document`` published and ``events`` (player,
    type, occurred at, properties) ingested, not yet processed."""
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    database = Database(url, sqlite_synchronous=synchronous)
    with database.transaction() as session:
        app = ensure_app(session)  # the default app, which the bootstrap key reads
        configs.publish(session, app.id, document, source=None, comment=None, created_by=None)
        ingest(
            session,
            app.id,
            [
                NewEvent(type=t, player=p, key=f"e{i}", occurred_at=at, properties=props)
                for i, (p, t, at, props) in enumerate(events)
            ],
            datetime.now(UTC),
        )
    return database


def worker_rate(document: dict[str, Any], events: list[Any], workdir: Path, name: str) -> float:
    database = seeded(f"sqlite:///{workdir / f'{name}.db'}", document, events, "NORMAL")
    worker = Worker(database, DesignCache())
    began = time.perf_counter()
    done = worker.drain(batch=2000)
    rate = done / (time.perf_counter() - began)
    database.dispose()
    return rate


def score_reads(workdir: Path, reads: int) -> tuple[float, float]:
    """Microseconds per score read through the read service (the player lookup
    included): computed from stored state on a cold cache, and served from the cache."""
    from questline.processing.score_cache import InProcessScoreCache
    from questline.processing.score_reads import read_score

    database = Database(f"sqlite:///{workdir / 'full.db'}")
    designs = DesignCache()
    with database.reader() as session:
        app_id = 1
        design = designs.current(session, {app_id})[app_id]
        now = datetime.now(UTC)
        began = time.perf_counter()
        for _ in range(reads):
            cold = InProcessScoreCache(3600)
            read_score(session, cold, design, app_id, "p1", "focus_score", now)
        computed = (time.perf_counter() - began) / reads * 1e6
        warm = InProcessScoreCache(3600)
        read_score(session, warm, design, app_id, "p1", "focus_score", now)
        began = time.perf_counter()
        for _ in range(reads):
            read_score(session, warm, design, app_id, "p1", "focus_score", now)
        cached = (time.perf_counter() - began) / reads * 1e6
    database.dispose()
    return computed, cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--reads", type=int, default=500)
    args = parser.parse_args()
    full, bare = designs()
    events = make_events(args.events, args.players)
    print(f"{args.events:,} events, {args.players} players, productivity blueprint")

    bare_engine, full_engine = engine_rate(bare, events), engine_rate(full, events)
    print(f"engine, without mechanics (baseline): {bare_engine:>10,.0f} events/s")
    print(
        f"engine, with mechanics:               {full_engine:>10,.0f} events/s"
        f"  ({full_engine / bare_engine:.2f}× the baseline)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bare_worker = worker_rate(bare, events, workdir, "bare")
        full_worker = worker_rate(full, events, workdir, "full")
        print(f"worker, without mechanics (baseline): {bare_worker:>10,.0f} events/s")
        print(
            f"worker, with mechanics:               {full_worker:>10,.0f} events/s"
            f"  ({full_worker / bare_worker:.2f}× the baseline)"
        )
        computed, cached = score_reads(workdir, args.reads)
        print(f"score read, computed (baseline):      {computed:>10,.0f} µs")
        print(
            f"score read, from the cache:           {cached:>10,.0f} µs"
            f"  ({cached / computed:.2f}× the baseline)"
        )


if __name__ == "__main__":
    main()
