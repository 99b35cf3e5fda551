"""Benchmark: the dashboard page at a million players on the embedded default (SQLite).
Prints figures; asserts nothing.

A million players, each with an XP and a gems balance and a ledger entry, are loaded in
bulk; the language blueprint is published. One uvicorn process then answers, one request
at a time on one keep-alive connection:

- `GET /play` — the dashboard of a random player (its own token in the cookie);
- `GET /bench/page` — a fixed HTML body of the same size, no work at all;
- `GET /bench/page-with-token` — the same behind the player-token check every page has.

The routes take turns request by request (dashboard, minimal, minimal with token, and
again), so each meets the machine as the others do: on a shared machine the speed drifts
by a third within seconds, and timed in blocks of hundreds, a route's figure is mostly
the block it fell in. Then, for reference, the same in blocks, one route at a time, where
the minimal route also runs hot in the processor's caches (nothing else runs between its
requests) while the dashboard's requests meet the caches as their own work leaves them.

It prints p50 and p99 of each (client-side, loopback) and the dashboard's throughput on
that connection as a share of the minimal route's (the goal: p99 < 50 ms, share ≥ 0.5):
over the whole run and, min/median/max, round by round.

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
DASHBOARD = "GET /play (dashboard)"
MINIMAL = "minimal page, fixed body"
KEYED = "the same behind the token"


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
            # The checkout being measured (its sources first), and the `bench` package.
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
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
                DASHBOARD: "/play",
                MINIMAL: "/bench/page",
                KEYED: "/bench/page-with-token",
            }
            for route in routes.values():
                timed(client, route, tokens, 200)  # warm up
            per_round = max(args.requests // args.rounds, 1)
            rounds = [_taking_turns(client, routes, tokens, per_round) for _ in range(args.rounds)]
            blocks = [
                {label: timed(client, route, tokens, per_round) for label, route in routes.items()}
                for _ in range(args.rounds)
            ]
    print(
        f"\nHTTP, one uvicorn process, SQLite, one keep-alive connection,"
        f" {len(page.content):,}-byte pages, {args.rounds} rounds of {per_round} requests"
        " per route"
    )
    print("\nthe routes taking turns, request by request (the goal's figures):")
    report(rounds)
    print("\nfor reference, in blocks of one route at a time:")
    report(blocks)


def _taking_turns(
    client: httpx.Client, routes: dict[str, str], tokens: list[str], count: int
) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {label: [] for label in routes}
    for index in range(count):
        for label, route in routes.items():
            found[label] += timed(client, route, [tokens[index % len(tokens)]], 1)
    return found


def report(rounds: list[dict[str, list[float]]]) -> None:
    samples = {label: [t for found in rounds for t in found[label]] for label in rounds[0]}
    for label, found in samples.items():
        print(
            f"  {label:27s} p50 {quantile(found, 0.5) * 1000:6.2f} ms"
            f"   p99 {quantile(found, 0.99) * 1000:6.2f} ms"
            f"   {1 / statistics.mean(found):7.0f} requests/s"
        )
    dashboard = samples[DASHBOARD]
    print(
        f"  dashboard p99                {quantile(dashboard, 0.99) * 1000:6.2f} ms  (goal < 50 ms)"
    )
    for baseline, goal in ((MINIMAL, "   (goal ≥ 50 %)"), (KEYED, "")):
        share = statistics.mean(samples[baseline]) / statistics.mean(dashboard)
        shares = sorted(
            statistics.mean(found[baseline]) / statistics.mean(found[DASHBOARD]) for found in rounds
        )
        print(
            f"  dashboard / {baseline:27s} {share:6.1%}{goal};  per round min {shares[0]:.1%}"
            f"  median {statistics.median(shares):.1%}  max {shares[-1]:.1%}"
        )


if __name__ == "__main__":
    main()
