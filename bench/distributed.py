"""Benchmark of the distributed mode on loopback: PostgreSQL, Redis, `questline serve
--workers 2` and Celery workers, with a load generator in a process of its own
(bench/load.py). Prints figures; asserts nothing, but checks at the end that every
event was processed with the effects it should have had (bench/verify.py) and says so.

(a) batches of 1,000 events, sent by a few concurrent connections as fast as they are
    accepted: events/s end to end (first request sent → last effect committed). Run in
    rounds, each between two raw limits measured on the same servers: one plain `COPY`
    of the same rows into a table shaped like the event log, and one `ZADD` per event
    through a Redis pipeline (each repeated for at least a second). Each round's ratio
    to its own baselines is printed with min / median / max, since the machine's load
    moves the rates and the ratios much less.
(b) single events, open loop at a fixed rate (2,000 requests/s by default, then lower
    rates): p50/p99 latency from the scheduled send, what was answered, the processing
    lag, and the CPU per *answered* request of each part. Meanwhile probes time accept →
    visible on the board's first page (`GET /v1/leaderboards/global_xp`, what a client
    reads, served from Redis through the API's page cache), under that load.

Durability: `--durability production` (the default) runs PostgreSQL as the docs
recommend for production (fsync, synchronous_commit and full_page_writes on);
`--durability relaxed` turns the three off, as the test servers run. Say which when you
quote a figure. Also printed: the resident memory of the API, workers, PostgreSQL and
Redis, and Redis's memory per player on the board.

    python bench/distributed.py [--events 30000] [--rounds 3] [--rate 2000]
                                [--lower-rates 500,1000] [--seconds 10] [--workers 2]
                                [--durability production|relaxed]

The Celery workers run at a lower priority than the API (nice 10, as in the Procfile).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import cpu  # noqa: E402  (bench/cpu.py, next to this file)
import verify  # noqa: E402
from figures import busy_while, print_cost, print_memory, print_open_loop, spread  # noqa: E402
from load import (  # noqa: E402
    KEY,
    make_events,
    probe_event,
    publish,
    result_of,
    run_load,
    singles_prefix,
)
from questline.processing.distributed import QUEUE  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

# The parts the machine's CPU time is split into (process trees; see bench/cpu.py).
API, WORKERS, POSTGRES, REDIS, GENERATOR = (
    "API", "workers", "PostgreSQL", "Redis", "load generator"
)  # fmt: skip
STACK = (API, WORKERS, POSTGRES, REDIS)
PARTS = (*STACK, GENERATOR)
DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")
BASELINE_SECONDS = 1.0


# --- the stack ----------------------------------------------------------------------------


def pending(connection: psycopg.Connection[Any]) -> tuple[int, float]:
    """Pending events and the age of the oldest (the processing lag), in seconds. (One
    connection for every look: a new one per look cost PostgreSQL a process start, and
    the stack's CPU is what is measured.)"""
    count, age = connection.execute(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at)), 0)"
        " FROM events WHERE status = 'pending'"
    ).fetchone()  # type: ignore[misc]
    return int(count), float(age)


def wait_drained(connection: psycopg.Connection[Any], timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending(connection)[0] == 0:
            return time.time()
        time.sleep(0.05)
    raise RuntimeError("events still pending after the timeout")


def start_stack(
    workdir: Path,
    db_url: str,
    redis_url: str,
    workers: int,
    shards: int | None,
    worker_nice: int,
) -> tuple[list[subprocess.Popen[bytes]], str]:
    port = free_port()
    metrics = workdir / "metrics"
    metrics.mkdir()
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": db_url,
        "QUESTLINE_REDIS_URL": redis_url,
        "QUESTLINE_BOOTSTRAP_KEY": KEY,
        "QUESTLINE_LOG_LEVEL": "warning",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    if shards is not None:
        env["QUESTLINE_WORKER_SHARDS"] = str(shards)
    cli = [sys.executable, "-m", "questline.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    log = (workdir / "stack.log").open("ab")
    processes = [
        subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=log,
        )
    ]
    for _ in range(workers):
        processes.append(
            subprocess.Popen(
                ["nice", "-n", str(worker_nice), *cli, "worker", "--pool", "solo"],
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=log,
            )
        )
    base = f"http://127.0.0.1:{port}"
    # A loaded machine starts two API processes and the workers slowly.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return processes, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    # Not left running once the servers they use are gone.
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)
    raise RuntimeError("the API did not become ready")


def wait_for_workers(redis_url: str, timeout: float = 60) -> None:
    """Until the workers have taken what the publish queued (the achievement backfill).
    A worker starts slower than the API: a backfill still queued when events arrive
    would run meanwhile, through every player (a)'s first batches created, and (a)
    would measure it as well."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while client.llen(QUEUE):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers took nothing from the queue")
            time.sleep(0.1)
    finally:
        client.close()


# --- the raw limits -----------------------------------------------------------------------


def set_durability(pg: PostgresServer, production: bool) -> str:
    """The test server runs with durability off; production turns it back on. Returns
    the settings as the server reports them."""
    value = "on" if production else "off"
    with psycopg.connect(pg.conninfo_for("postgres"), autocommit=True) as connection:
        for name in DURABILITY:
            connection.execute(f"ALTER SYSTEM SET {name} = {value}")
        connection.execute("SELECT pg_reload_conf()")
        time.sleep(0.2)
        shown = [
            f"{name}={connection.execute(f'SHOW {name}').fetchone()[0]}"  # type: ignore[index]
            for name in DURABILITY
        ]
    return ", ".join(shown)


def raw_copy(conninfo: str, events: list[dict[str, Any]]) -> float:
    """The same rows, one plain COPY per repetition into a table shaped (and indexed)
    like the log, repeated for at least BASELINE_SECONDS."""
    rows = [
        (1, e["id"], 1 + int(e["player"].split("-")[1]), e["type"], "now", "now", "UTC",
         f'{{"score": {e["properties"]["score"]}}}', e["item"], "pending")
        for e in events
    ]  # fmt: skip
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS raw_events"
            " (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        copied, spent = 0, 0.0
        while spent < BASELINE_SECONDS:
            connection.execute("TRUNCATE raw_events")
            started = time.perf_counter()
            with (
                connection.transaction(),
                connection.cursor().copy(
                    "COPY raw_events (app_id, key, player_id, type, occurred_at, received_at,"
                    " time_zone, properties, item_key, status) FROM STDIN"
                ) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            spent += time.perf_counter() - started
            copied += len(rows)
        connection.execute("DROP TABLE raw_events")
        return copied / spent


def raw_zadd(redis_url: str, events: list[dict[str, Any]]) -> float:
    """One ZADD per event into a sorted set, pipelined 1,000 at a time, repeated for at
    least BASELINE_SECONDS."""
    client = redis.Redis.from_url(redis_url)
    try:
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < BASELINE_SECONDS:
            for offset in range(0, len(events), 1000):
                pipe = client.pipeline(transaction=False)
                for event in events[offset : offset + 1000]:
                    pipe.zadd("raw:leaderboard", {event["player"]: event["properties"]["score"]})
                pipe.execute()
            done += len(events)
        spent = time.perf_counter() - started
        client.delete("raw:leaderboard")
        return done / spent
    finally:
        client.close()


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the phases -----------------------------------------------------------------------------


def batch_round(
    base: str, database: psycopg.Connection[Any], settings: dict[str, Any], roots: dict[int, str]
) -> dict[str, Any]:
    """(a) once: the generator's batches, until the last effect is committed."""
    before = cpu.sample() if cpu.available() else None
    load = run_load("batches", base, settings)
    found = result_of(load)
    drained = wait_drained(database)
    used = None
    if before is not None:
        used = {**cpu.used(before, cpu.sample(), roots), GENERATOR: found["cpu"]}
    return {
        "ingest": settings["events"] / (found["accepted"] - found["started"]),
        "end_to_end": settings["events"] / (drained - found["started"]),
        "used": used,
    }


def open_loop(
    base: str, database: psycopg.Connection[Any], settings: dict[str, Any], roots: dict[int, str]
) -> dict[str, Any]:
    """(b) at one rate: the generator's figures, the lag sampled meanwhile, the CPU each
    part used from the first send to the last answer, and the drain."""
    load = run_load("singles", base, settings)
    assert load.pid is not None
    roots = {**roots, load.pid: GENERATOR}
    lags: list[float] = []
    samples = [cpu.sample()] if cpu.available() else []
    while (found := result_of(load, wait=0.25)) is None:
        lags.append(pending(database)[1])
        if samples:
            samples.append(cpu.sample())
    stack = {pid: name for pid, name in roots.items() if name != GENERATOR}
    memory = cpu.memory(samples[-1], stack) if samples else None
    finished = time.time()
    drained_after = wait_drained(database) - finished
    progress(f"(b) at {settings['rate']:.0f}/s done")
    busy = busy_while(samples, found["started"], found["started"] + found["answered_for"] + 0.3,
                      roots)  # fmt: skip
    return {**found, "rate": settings["rate"], "lags": lags, "drained_after": drained_after,
            "busy": busy, "memory": memory}  # fmt: skip


def redis_memory(url: str) -> float:
    client = redis.Redis.from_url(url)
    try:
        return float(client.info("memory")["used_memory"])
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30_000, help="events sent in batches")
    parser.add_argument("--rounds", type=int, default=3, help="(a) rounds, each between baselines")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4, help="batch senders in flight")
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=2000, help="single events per second")
    parser.add_argument(
        "--lower-rates",
        type=lambda text: [float(r) for r in text.split(",") if r],
        default=[500.0, 1000.0],
        help="(b) again at these rates, to show what this machine sustains (comma-separated)",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="niceness of the Celery workers: below the API, as on a machine they share",
    )
    parser.add_argument("--seconds", type=float, default=10, help="duration of the open loop")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--probe-rate", type=float, default=5, help="probes per second in (b)")
    parser.add_argument(
        "--probe-poll", type=float, default=0.01, help="seconds between a probe's first looks"
    )
    parser.add_argument(
        "--shards", type=int, default=None, help="QUESTLINE_WORKER_SHARDS (default: its default)"
    )
    parser.add_argument("--durability", choices=["production", "relaxed"], default="production")
    args = parser.parse_args()
    settings = vars(args)
    # Stopped early (Ctrl-C, SIGTERM): still stop the servers this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    per_round = args.events // args.rounds

    with (
        tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp,
        PostgresServer() as pg,
        RedisServer() as rds,
    ):
        durability = set_durability(pg, args.durability == "production")
        print(
            f"distributed mode on loopback, {os.cpu_count()} cores, load average"
            f" {os.getloadavg()[0]:.1f} at start: PostgreSQL ({args.durability}: {durability}),"
            f" Redis (no persistence), API × 2 processes, {args.workers} Celery workers"
            f" (nice {args.worker_nice}); skillquest, {args.players} players"
        )
        workdir = Path(tmp)
        db_url = pg.create_database("bench")
        conninfo = pg.conninfo_for("bench")
        processes, base = start_stack(
            workdir, db_url, rds.url, args.workers, args.shards, args.worker_nice
        )
        database = psycopg.connect(conninfo, autocommit=True)
        sent: list[dict[str, Any]] = []
        try:
            publish(base)
            wait_for_workers(rds.url)
            roots = {processes[0].pid: API, pg.pid: POSTGRES, rds.pid: REDIS}
            roots.update({process.pid: WORKERS for process in processes[1:]})

            rounds = []
            for n in range(args.rounds):
                events = make_events(per_round, args.players, f"batch{n}", 100 + n)
                sent += events
                copy_before = raw_copy(conninfo, events)
                found = batch_round(
                    base, database, {**settings, "events": per_round, "prefix": f"batch{n}",
                                     "seed": 100 + n}, roots)  # fmt: skip
                zadd_after = raw_zadd(rds.url, events)
                rounds.append({**found, "copy": copy_before, "zadd": zadd_after})
                progress(f"(a) round {n + 1}: {found['end_to_end']:.0f} events/s end to end")

            singles = []
            probe_start = 0
            for rate in [args.rate, *args.lower_rates]:
                probes = int(args.probe_rate * args.seconds)
                run = {**settings, "rate": rate, "probes": probes, "probe_start": probe_start}
                singles.append(open_loop(base, database, run, roots))
                sent += make_events(int(rate * args.seconds), args.players,
                                    singles_prefix(rate), 2)  # fmt: skip
                sent += [probe_event(probe_start + n) for n in range(probes)]
                probe_start += probes
            wait_drained(database)
            progress("checking every event's effects")
            checked = verify.check(
                lambda query: database.execute(query).fetchall(), sent, redis_url=rds.url
            )
            redis_bytes = redis_memory(rds.url)
        except BaseException:
            log = (workdir / "stack.log").read_text(errors="replace").splitlines()
            print("\n".join(log[-40:]), file=sys.stderr)
            raise
        finally:
            database.close()
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)

    print(f"\n(a) {args.rounds} rounds of {per_round} events in batches of {args.batch},"
          f" {args.connections} connections")  # fmt: skip
    print("  round  ingest/s  end to end/s   COPY rows/s  ratio   ZADD ops/s  ratio")
    for n, found in enumerate(rounds, 1):
        print(f"  {n:5} {found['ingest']:9.0f} {found['end_to_end']:13.0f}"
              f" {found['copy']:13.0f} {found['end_to_end'] / found['copy']:6.3f}"
              f" {found['zadd']:12.0f} {found['end_to_end'] / found['zadd']:6.3f}")  # fmt: skip
    rates = [found["end_to_end"] for found in rounds]
    print(f"  end to end, events/s: {spread(rates, '{:.0f}')}")
    print(f"  end to end / COPY: {spread([f['end_to_end'] / f['copy'] for f in rounds])}")
    print(f"  end to end / ZADD: {spread([f['end_to_end'] / f['zadd'] for f in rounds])}")
    if all(found["used"] for found in rounds):
        used: dict[str, float] = {}
        for found in rounds:
            for name, value in found["used"].items():
                used[name] = used.get(name, 0.0) + value
        print_cost(used, per_round * len(rounds), PARTS, STACK)
    for found in singles:
        print_open_loop(found, args.seconds, PARTS, API)
    memory = singles[0]["memory"]
    if memory:
        print(f"\nat {singles[0]['rate']:.0f} single events/s:")
        print_memory(memory)
    board = checked.redis_rows or 0
    print(f"  Redis used_memory at the end: {redis_bytes / 2**20:.1f} MiB"
          f" ({board} players on the board)")  # fmt: skip
    print()
    for line in checked.lines():
        print(line)
    print(
        "\ntargets: ≥ 10,000 events/s end to end with batches; p99 < 50 ms at 2,000"
        " single-event requests/s, all answered; accept → visible p99 < 1 s under that load"
    )
    if not checked.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
