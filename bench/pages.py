"""Benchmark: the dashboard page at a million players on the embedded default (SQLite).
Prints figures; asserts nothing.

A million players, each with an XP and a gems balance and a ledger entry, are loaded in
bulk; the language blueprint is published. One uvicorn process then answers, one request
at a time on one keep-alive connection, in interleaved rounds:

- `GET /play` — the dashboard of a random player (its own token in the cookie);
- `GET /bench/page` — a fixed HTML body of the same size, no work at all;
- `GET /bench/page-with-token` — the same behind the player-token check every page has.

It prints p50 and p99 of each (client-side, loopback) and the dashboard's throughput on
that connection as a share of the minimal route's (the goal: p99 < 50 ms, ratio ≥ 0.5):
over the whole run, and the min/median/max of that share round by round, since load from
elsewhere on the machine drifts during a run and falls on whichever route is being timed.

    python bench/pages.py [--players 1000000] [--requests 3000] [--rounds 5]
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questline.auth.tokens import TokenType, issue  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402

KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
SECRET = "bench-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz"
STAMP = "2026-12-01 00:00:00.000000"


def player_name(index: int) -> str:
    return f"player-{index:07d}"


def load(path: Path, players: int) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO apps (id, slug, name, created_at, settings)"
        " VALUES (1, 'default', 'Default app', CURRENT_TIMESTAMP, '{}')"
    )
    connection.executemany(
        "INSERT INTO players (id, app_id, external_id, time_zone, attributes, created_at,"
        f" updated_at) VALUES (?, 1, ?, 'UTC', '{{}}', '{STAMP}', '{STAMP}')",
        ((index + 1, player_name(index)) for index in range(players)),
    )
    rng = random.Random(7)
    xp = [rng.randrange(10, 5000) for _ in range(players)]
    connection.executemany(
        "INSERT INTO balances (player_id, currency, balance, earned, spent) VALUES (?, ?, ?, ?, 0)",
        (
            row
            for index, amount in enumerate(xp)
            for row in ((index + 1, "xp", amount, amount), (index + 1, "gems", 5, 5))
        ),
    )
    breakdown = json.dumps({"rule": "lesson-xp", "currency": "xp"})
    connection.executemany(
        "INSERT INTO ledger_entries (app_id, player_id, currency, amount, balance_after,"
        " cause, cause_id, config_version, explanation, breakdown, created_at)"
        f" VALUES (1, ?, 'xp', ?, ?, 'rule', 'lesson-xp', 1, ?, ?, '{STAMP}')",
        (
            (index + 1, amount, amount, f"lesson-xp: 10 gives {amount}: +{amount} xp", breakdown)
            for index, amount in enumerate(xp)
        ),
    )
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--factory", "bench.pages_app:create",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def timed(client: httpx.Client, path: str, tokens: list[str], count: int) -> list[float]:
    found = []
    for index in range(count):
        cookie = {"Cookie": f"questline_token={tokens[index % len(tokens)]}"}
        started = time.perf_counter()
        response = client.get(path, headers=cookie)
        found.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return found


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=3000, help="per route, in all rounds")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="questline-pages-") as workdir:
        path = Path(workdir) / "questline.db"
        url = f"sqlite:///{path}"
        engine = create_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        seconds = load(path, args.players)
        print(f"{args.players:,} players, balances and ledger entries loaded in {seconds:.1f} s")
        body_file = Path(workdir) / "page.html"
        env = {
            **os.environ,
            "QUESTLINE_DATABASE_URL": url,
            "QUESTLINE_BOOTSTRAP_KEY": KEY,
            "QUESTLINE_JWT_SECRET": SECRET,
            "QUESTLINE_LOG_LEVEL": "warning",
            # Publishing would otherwise check every player for achievements in the
            # background while the pages are timed.
            "QUESTLINE_BACKFILL_AFTER_PUBLISH": "false",
            "QUESTLINE_EMBEDDED_JOBS": "false",
            "QUESTLINE_BENCH_BODY": str(body_file),
            "PYTHONPATH": str(ROOT),
        }
        rng = random.Random(11)
        tokens = [
            issue(
                SECRET,
                TokenType.PLAYER,
                subject=player_name(rng.randrange(args.players)),
                app_id=1,
                lifetime=timedelta(hours=2),
            )[0]
            for _ in range(min(args.requests, 5000))
        ]
        with (
            serving(env) as port,
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client,
        ):
            design = (ROOT / "blueprints" / "language.yaml").read_bytes()
            client.put(
                "/v1/config",
                content=design,
                headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/yaml"},
            ).raise_for_status()
            page = client.get("/play", headers={"Cookie": f"questline_token={tokens[0]}"})
            page.raise_for_status()
            body_file.write_bytes(page.content)
            routes = {
                "GET /play (dashboard)": "/play",
                "minimal page, fixed body": "/bench/page",
                "the same behind the token": "/bench/page-with-token",
            }
            for route in routes.values():
                timed(client, route, tokens, 200)  # warm up
            rounds: list[dict[str, list[float]]] = []
            per_round = max(args.requests // args.rounds, 1)
            for _ in range(args.rounds):
                rounds.append(
                    {
                        label: timed(client, route, tokens, per_round)
                        for label, route in routes.items()
                    }
                )
    samples = {label: [t for found in rounds for t in found[label]] for label in routes}
    print(
        f"\nHTTP, one uvicorn process, SQLite, one keep-alive connection, {args.rounds}"
        f" interleaved rounds, {per_round * args.rounds} requests each,"
        f" {len(page.content):,}-byte pages"
    )
    for label, found in samples.items():
        print(
            f"  {label:27s} p50 {quantile(found, 0.5) * 1000:6.2f} ms"
            f"   p99 {quantile(found, 0.99) * 1000:6.2f} ms"
            f"   {1 / statistics.mean(found):7.0f} requests/s"
        )
    dashboard = samples["GET /play (dashboard)"]
    minimal = samples["minimal page, fixed body"]
    keyed = samples["the same behind the token"]
    print(
        f"  dashboard p99                {quantile(dashboard, 0.99) * 1000:6.2f} ms  (goal < 50 ms)"
    )
    ratio = statistics.mean(minimal) / statistics.mean(dashboard)
    print(
        f"  dashboard / minimal          {ratio:6.1%}   (throughput on one connection; goal ≥ 50 %)"
    )
    keyed_ratio = statistics.mean(keyed) / statistics.mean(dashboard)
    print(f"  dashboard / minimal w/ token {keyed_ratio:6.1%}")
    for baseline in ("minimal page, fixed body", "the same behind the token"):
        shares = sorted(
            statistics.mean(found[baseline]) / statistics.mean(found["GET /play (dashboard)"])
            for found in rounds
        )
        print(
            f"  per round, dashboard / {baseline}: min {shares[0]:.1%}"
            f"  median {statistics.median(shares):.1%}  max {shares[-1]:.1%}"
        )


if __name__ == "__main__":
    main()
