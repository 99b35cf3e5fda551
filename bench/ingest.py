"""Benchmark: events in through the API, processed end to end, on the embedded default
(`questline serve`, a SQLite file, the worker in a thread or a child process), with the
load generator in a process of its own (bench/load.py). Prints figures; asserts nothing,
but checks at the end that every event was processed with the effects it should have
had (bench/verify.py) and says so.

(a) batches of 1,000 events as fast as they are accepted, end to end (first request
    sent → every event of the round processed). Run in rounds, each after a raw
    baseline on the same disk: the same rows written with plain sqlite3 `executemany`
    (one transaction per batch, same journal mode and synchronous setting), repeated for
    at least a second. Each round's ratio to its own baseline is printed with
    min / median / max, since the machine's load moves the rates and the ratios much
    less.
(b) single events, open loop at a fixed rate (2,000 requests/s by default, then lower
    rates), from 64 keep-alive connections: p50/p99 latency from the scheduled send,
    what was answered, the processing lag, and the CPU per *answered* request. Meanwhile
    probes time accept → visible on the board's first page
    (`GET /v1/leaderboards/global_xp`), under that load.

Durability: `--durability production` (the default) is the server's default,
`QUESTLINE_SQLITE_SYNCHRONOUS=FULL` (survives power loss); `relaxed` is `NORMAL`. Say
which when you quote a figure.

    python bench/ingest.py [--events 30000] [--rounds 3] [--rate 2000] [--lower-rates 500,1000]
                           [--seconds 10] [--worker thread] [--durability production|relaxed]
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import cpu  # noqa: E402
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

SERVER, WORKER, GENERATOR = "server", "worker process", "load generator"
PARTS = (SERVER, WORKER, GENERATOR)
STACK = (SERVER, WORKER)
SYNCHRONOUS = {"production": "FULL", "relaxed": "NORMAL"}
BASELINE_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    workdir: Path, worker: str, synchronous: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "QUESTLINE_EMBEDDED_WORKER": worker,
        "QUESTLINE_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "QUESTLINE_SQLITE_SYNCHRONOUS": synchronous,
        "QUESTLINE_BOOTSTRAP_KEY": KEY,
        "QUESTLINE_LOG_LEVEL": "warning",
        "QUESTLINE_PORT": str(port),
    }
    subprocess.run(
        [sys.executable, "-m", "questline.cli", "migrate"], env=env, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "questline.cli", "serve"], env=env, cwd=workdir
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def worker_children(server_pid: int) -> list[int]:
    """The server's worker child (QUESTLINE_EMBEDDED_WORKER=process), by its command line."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            command = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == server_pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def pending(database: sqlite3.Connection) -> tuple[int, float]:
    """Pending events and the age of the oldest, in seconds."""
    count, oldest = database.execute(
        "SELECT count(*), min(received_at) FROM events WHERE status = 'pending'"
    ).fetchone()
    if not count:
        return 0, 0.0
    stamp = calendar.timegm(time.strptime(str(oldest)[:19].replace("T", " "), "%Y-%m-%d %H:%M:%S"))
    return int(count), max(0.0, time.time() - stamp)


def wait_drained(database: sqlite3.Connection, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending(database)[0] == 0:
            return time.time()
        time.sleep(0.02)
    raise RuntimeError("events still pending after the timeout")


def raw_baseline(
    events: list[dict[str, Any]], batch: int, workdir: Path, synchronous: str
) -> float:
    """The same rows with plain sqlite3 executemany, one transaction per batch, repeated
    (into a fresh table) for at least BASELINE_SECONDS."""
    connection = sqlite3.connect(workdir / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    rows = [
        (e["id"], e["player"], e["type"], e["item"], json.dumps(e["properties"]), "pending")
        for e in events
    ]
    written, spent = 0, 0.0
    while spent < BASELINE_SECONDS:
        connection.execute("DROP TABLE IF EXISTS events")
        connection.execute(
            "CREATE TABLE events (seq INTEGER PRIMARY KEY, key TEXT UNIQUE, player TEXT,"
            " type TEXT, item TEXT, properties TEXT, status TEXT)"
        )
        started = time.perf_counter()
        for offset in range(0, len(rows), batch):
            connection.execute("BEGIN")
            connection.executemany(
                "INSERT INTO events (key, player, type, item, properties, status)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows[offset : offset + batch],
            )
            connection.execute("COMMIT")
        spent += time.perf_counter() - started
        written += len(rows)
    connection.close()
    return written / spent


def batch_round(
    base: str, database: sqlite3.Connection, settings: dict[str, Any], roots: dict[int, str]
) -> dict[str, Any]:
    before = cpu.sample()
    found = result_of(run_load("batches", base, settings))
    drained = wait_drained(database)
    used = {**cpu.used(before, cpu.sample(), roots), GENERATOR: found["cpu"]}
    return {
        "ingest": settings["events"] / (found["accepted"] - found["started"]),
        "end_to_end": settings["events"] / (drained - found["started"]),
        "used": used,
    }


def open_loop(
    base: str, database: sqlite3.Connection, settings: dict[str, Any], roots: dict[int, str]
) -> dict[str, Any]:
    load = run_load("singles", base, settings)
    assert load.pid is not None
    roots = {**roots, load.pid: GENERATOR}
    lags: list[float] = []
    samples = [cpu.sample()]
    while (found := result_of(load, wait=0.25)) is None:
        lags.append(pending(database)[1])
        samples.append(cpu.sample())
    memory = cpu.memory(samples[-1], {k: v for k, v in roots.items() if v != GENERATOR})
    finished = time.time()
    drained_after = wait_drained(database) - finished
    end = found["started"] + found["answered_for"] + 0.3
    return {
        **found,
        "rate": settings["rate"],
        "lags": lags,
        "drained_after": drained_after,
        "busy": busy_while(samples, found["started"], end, roots),
        "memory": memory,
    }


def run_once(args: argparse.Namespace, worker: str) -> None:
    synchronous = SYNCHRONOUS[args.durability]
    settings = vars(args)
    per_round = args.events // args.rounds
    sent: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        workdir = Path(tmp)
        server, base = start_server(workdir, worker, synchronous)
        database = sqlite3.connect(workdir / "bench.db", isolation_level=None)
        try:
            publish(base)
            roots = {server.pid: SERVER}
            roots.update(dict.fromkeys(worker_children(server.pid), WORKER))
            rounds = []
            for n in range(args.rounds):
                events = make_events(per_round, args.players, f"batch{n}", 100 + n)
                sent += events
                raw = raw_baseline(events, args.batch, workdir, synchronous)
                run = {**settings, "events": per_round, "prefix": f"batch{n}", "seed": 100 + n}
                rounds.append({**batch_round(base, database, run, roots), "raw": raw})
            singles = []
            probe_start = 0
            for rate in [args.rate, *args.lower_rates]:
                probes = int(args.probe_rate * args.seconds)
                run = {**settings, "rate": rate, "probes": probes, "probe_start": probe_start}
                singles.append(open_loop(base, database, run, roots))
                sent += make_events(int(rate * args.seconds), args.players, singles_prefix(rate), 2)
                sent += [probe_event(probe_start + n) for n in range(probes)]
                probe_start += probes
            wait_drained(database)
            checked = verify.check(lambda query: database.execute(query).fetchall(), sent)
        finally:
            database.close()
            server.terminate()
            server.wait(timeout=30)

    print(f"\nQUESTLINE_EMBEDDED_WORKER={worker}, QUESTLINE_SQLITE_SYNCHRONOUS={synchronous}"
          f" ({args.durability})")  # fmt: skip
    print(f"(a) {args.rounds} rounds of {per_round} events in batches of {args.batch}")
    print("  round  ingest/s  end to end/s  raw executemany rows/s  ratio")
    for n, found in enumerate(rounds, 1):
        print(f"  {n:5} {found['ingest']:9.0f} {found['end_to_end']:13.0f}"
              f" {found['raw']:23.0f} {found['end_to_end'] / found['raw']:6.3f}")  # fmt: skip
    print(f"  end to end, events/s: {spread([f['end_to_end'] for f in rounds], '{:.0f}')}")
    print(f"  end to end / raw: {spread([f['end_to_end'] / f['raw'] for f in rounds])}")
    used: dict[str, float] = {}
    for found in rounds:
        for name, value in found["used"].items():
            used[name] = used.get(name, 0.0) + value
    parts = PARTS if worker == "process" else (SERVER, GENERATOR)
    print_cost(used, per_round * args.rounds, parts, [p for p in STACK if p in parts])
    for found in singles:
        print_open_loop(found, args.seconds, parts, SERVER)
    print(f"\nat {singles[0]['rate']:.0f} single events/s:")
    print_memory(singles[0]["memory"])
    for line in checked.lines():
        print(line)
    if not checked.ok:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30_000, help="events sent in batches")
    parser.add_argument("--rounds", type=int, default=3, help="(a) rounds, each after a baseline")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=1, help="batch senders in flight")
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=2000, help="single events per second")
    parser.add_argument(
        "--lower-rates",
        type=lambda text: [float(r) for r in text.split(",") if r],
        default=[500.0, 1000.0],
        help="(b) again at these rates (comma-separated)",
    )
    parser.add_argument("--seconds", type=float, default=10, help="duration of the open loop")
    parser.add_argument("--probe-rate", type=float, default=5, help="probes per second in (b)")
    parser.add_argument(
        "--probe-poll", type=float, default=0.01, help="seconds between a probe's first looks"
    )
    parser.add_argument("--durability", choices=["production", "relaxed"], default="production")
    parser.add_argument(
        "--worker",
        action="append",
        choices=["thread", "process"],
        help="embedded worker mode(s) to measure (default: both; thread is the default mode)",
    )
    args = parser.parse_args()
    print(f"embedded (SQLite file), {os.cpu_count()} cores, load average"
          f" {os.getloadavg()[0]:.1f} at start; skillquest, {args.players} players")  # fmt: skip
    for worker in args.worker or ["thread", "process"]:
        run_once(args, worker)
    print(
        "\ntargets: ≥ 5,000 events/s end to end with batches; p99 < 50 ms at 2,000"
        " single-event requests/s, all answered; accept → visible p99 < 1 s under that load"
    )


if __name__ == "__main__":
    main()
