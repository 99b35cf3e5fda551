"""Benchmark: events in through the batch endpoint, processed end to end, on the
embedded default (SQLite file, in-process worker). Prints figures; asserts nothing.

In the same run, the raw baseline: the same rows written with plain sqlite3
executemany (one transaction per 1,000 rows, same journal settings), and the ratio.

    python bench/ingest.py [--events 30000] [--batch 1000] [--singles 1000] [--worker thread]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_events(count: int, players: int, prefix: str) -> list[dict[str, Any]]:
    rng = random.Random(42)
    return [
        {
            "id": f"{prefix}-{i}",
            "type": "attempt.submitted",
            "player": f"player-{rng.randrange(players)}",
            "item": f"challenge-{rng.randrange(20)}",
            "properties": {"score": rng.randrange(101)},
        }
        for i in range(count)
    ]


def start_server(workdir: Path, worker: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "QUESTLINE_EMBEDDED_WORKER": worker,
        "QUESTLINE_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
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


def wait_processed(client: httpx.Client, event_id: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get(f"/v1/events/{event_id}").json()["status"] != "pending":
            return
        time.sleep(0.01)
    raise RuntimeError(f"event {event_id} was not processed in {timeout} s")


def raw_baseline(events: list[dict[str, Any]], batch: int, workdir: Path) -> float:
    connection = sqlite3.connect(workdir / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, key TEXT UNIQUE, player TEXT, type TEXT,"
        " item TEXT, properties TEXT, status TEXT)"
    )
    rows = [
        (e["id"], e["player"], e["type"], e["item"], json.dumps(e["properties"]), "pending")
        for e in events
    ]
    started = time.perf_counter()
    for offset in range(0, len(rows), batch):
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO events (key, player, type, item, properties, status)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows[offset : offset + batch],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return len(rows) / elapsed


def run_once(args: argparse.Namespace, worker: str) -> dict[str, float]:
    """One server, one fresh database: batches end to end, then single-event latency."""
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        workdir = Path(tmp)
        server, base = start_server(workdir, worker)
        try:
            client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=120
            )
            design = (ROOT / "blueprints" / "skillquest.yaml").read_bytes()
            client.put(
                "/v1/config", content=design, headers={"Content-Type": "application/yaml"}
            ).raise_for_status()
            for i in range(20):
                client.post(
                    "/v1/items",
                    json={
                        "key": f"challenge-{i}",
                        "kind": "challenge",
                        "attributes": {"xp": 50 + 10 * i},
                    },
                ).raise_for_status()

            events = make_events(args.events, args.players, "batch")
            started = time.perf_counter()
            for offset in range(0, len(events), args.batch):
                response = client.post(
                    "/v1/events/batch", json={"events": events[offset : offset + args.batch]}
                )
                response.raise_for_status()
            accepted = time.perf_counter() - started
            wait_processed(client, events[-1]["id"])
            end_to_end = time.perf_counter() - started

            singles = make_events(args.singles, args.players, "single")
            latencies = []
            for event in singles:
                sent = time.perf_counter()
                client.post("/v1/events", json=event).raise_for_status()
                latencies.append((time.perf_counter() - sent) * 1000)
            wait_processed(client, singles[-1]["id"])
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        raw = raw_baseline(events, args.batch, workdir)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "ingest": args.events / accepted,
        "end_to_end": args.events / end_to_end,
        "raw": raw,
        "p50": quantiles[49],
        "p99": quantiles[98],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument(
        "--worker",
        action="append",
        choices=["thread", "process"],
        help="embedded worker mode(s) to measure (default: both; thread is the default mode)",
    )
    args = parser.parse_args()

    print(f"{args.events} events in batches of {args.batch}, {args.players} players, skillquest")
    for worker in args.worker or ["thread", "process"]:
        found = run_once(args, worker)
        print(f"\nQUESTLINE_EMBEDDED_WORKER={worker}")
        print(f"  ingest only (202s received):     {found['ingest']:8.0f} events/s")
        print(f"  end to end (accepted→processed): {found['end_to_end']:8.0f} events/s")
        print(f"  raw sqlite3 executemany (same rows, same run): {found['raw']:8.0f} rows/s")
        print(f"  ratio end to end / raw:          {found['end_to_end'] / found['raw']:8.3f}")
        print(
            f"  single-event POST latency:       p50 {found['p50']:.2f} ms,"
            f" p99 {found['p99']:.2f} ms ({args.singles} sequential requests)"
        )
    print("\ntarget: ≥ 5,000 events/s end to end on a 2-core machine")


if __name__ == "__main__":
    main()
