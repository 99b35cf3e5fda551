"""Benchmark: how fast a dry run replays the event log, beside its raw baselines from
the same run. Prints figures; asserts nothing.

The same events under the same design (the productivity blueprint with a score, as in
bench/mechanics.py): the pure engine's rate (`step` over events held in memory: the
ceiling; the goal is at least half of it), the live worker's rate processing them from
the log on a SQLite file, and the dry run's rate replaying them from that log (reading
the events, items and live state, replaying, tallying, saving progress per chunk). The
peak resident memory before and after the dry run shows whether it stays bounded.

    python bench/dry_run.py [--events 100000] [--players 1000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mechanics import designs, engine_rate, make_events, worker_rate
from questline.processing.designs import DesignCache
from questline.processing.dry_runs import run_dry_run
from questline.services.dry_runs import request_dry_run
from questline.storage.database import Database
from questline.storage.models import DryRun


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dry_run_rate(workdir: Path, document: dict[str, object]) -> tuple[float, int, int]:
    database = Database(f"sqlite:///{workdir / 'full.db'}", sqlite_synchronous="NORMAL")
    with database.transaction() as session:
        run_id = request_dry_run(
            session, 1, dict(document), since=None, players=None, by="bench", now=datetime.now(UTC)
        ).id
    began = time.perf_counter()
    run_dry_run(database, DesignCache(), run_id)
    elapsed = time.perf_counter() - began
    with database.reader() as session:
        row = session.get(DryRun, run_id)
        assert row is not None
        assert row.report is not None, "the dry run did not finish"
        events, differing = row.report["events"], row.report["players_differing"]
    database.dispose()
    return events / elapsed, events, differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--players", type=int, default=1000)
    args = parser.parse_args()
    full, _ = designs()
    events = make_events(args.events, args.players)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        pure = engine_rate(full, events)
        live = worker_rate(full, events, workdir, "full")
        before = peak_mib()
        rate, replayed, differing = dry_run_rate(workdir, full)
        after = peak_mib()
    print(f"{args.events:,} events, {args.players:,} players (productivity blueprint + a score)")
    print(
        f"  pure engine (raw baseline)  {pure:>10,.0f} events/s"
        f"   goal for a dry run: ≥ {pure / 2:,.0f}"
    )
    print(f"  live worker from the log    {live:>10,.0f} events/s")
    print(
        f"  dry run from the log        {rate:>10,.0f} events/s   ({replayed:,} replayed,"
        f" {differing} players differing)"
    )
    print(f"  peak memory before/after the dry run: {before:,.0f} / {after:,.0f} MiB")


if __name__ == "__main__":
    main()
