"""Benchmark: how soon a change is seen where it is read. Prints figures; asserts nothing.

The tests only check that these changes arrive (with deadlines far beyond any machine);
how soon is measured here, each next to a raw baseline in the same run.

- An event answered 202 until the player is on a leaderboard: the embedded worker in a
  thread (SQLite), the same with Redis serving the boards, and the worker in a child
  process writing to Redis. Baseline: the event sent with `?wait=true` (processed inside
  the request) and the board read once — the floor with no queue in between.
- An API key revoked in the database by another process (as `questline keys revoke`
  does) until a server refuses it, for key caches of 0 s, 1 s and the default 5 s: the
  time left of the cache entry, so up to the cache's length. Baseline: one request with
  the key (the cost of each look).

    python bench/visibility.py [--rounds 20] [--key-rounds 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questline.api.app import create_app  # noqa: E402
from questline.settings import Settings  # noqa: E402
from questline.storage.apps import create_key, ensure_app, get_key, revoke_key  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
DESIGN = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  xp: {rank_by: currency.xp}
"""
POLL_SECONDS = 0.002


def _database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'questline.db'}"
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def _settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "bootstrap_key": KEY,
        "jwt_secret": "bench-secret-" + "x" * 40,
        "embedded_jobs": False,
        "backfill_after_publish": False,
        "log_level": "warning",
        **overrides,
    }
    return Settings(**values)


def _until(seen: Callable[[], bool], started: float) -> float:
    """Milliseconds from `started` until `seen()` is true."""
    while not seen():
        time.sleep(POLL_SECONDS)
    return (time.perf_counter() - started) * 1000


def event_to_board(settings: Settings, rounds: int) -> tuple[list[float], list[float]]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with TestClient(create_app(settings)) as client:
        published = client.put(
            "/v1/config",
            content=DESIGN.encode(),
            headers={**headers, "Content-Type": "application/yaml"},
        )
        assert published.status_code in (200, 201), published.text

        def on_board(player: str) -> bool:
            response = client.get(
                "/v1/leaderboards/xp", params={"players": player}, headers=headers
            )
            return bool(response.json()["data"])

        def send(player: str, wait: bool) -> None:
            body = {"type": "lesson.done", "player": player, "properties": {"xp": 1}}
            params = {"wait": "true"} if wait else {}
            answer = client.post("/v1/events", json=body, params=params, headers=headers)
            assert answer.status_code == 202, answer.text

        # Warm up: the first event also waits for a child process to start.
        send("warm-up", wait=False)
        _until(lambda: on_board("warm-up"), time.perf_counter())
        background: list[float] = []
        floor: list[float] = []
        for n in range(rounds):  # interleaved, so load from elsewhere hits both alike
            started = time.perf_counter()
            send(f"queued-{n}", wait=False)
            background.append(_until(lambda n=n: on_board(f"queued-{n}"), started))
            started = time.perf_counter()
            send(f"waited-{n}", wait=True)
            assert on_board(f"waited-{n}")
            floor.append((time.perf_counter() - started) * 1000)
    return background, floor


def revoked_to_refused(
    url: str, cache_seconds: float, rounds: int
) -> tuple[list[float], list[float]]:
    database = Database(url)
    settings = _settings(url, key_cache_seconds=cache_seconds)
    refused: list[float] = []
    looks: list[float] = []
    try:
        with TestClient(create_app(settings)) as client:
            for _ in range(rounds):
                with database.transaction() as session:
                    key, secret = create_key(
                        session, ensure_app(session), name="bench", scopes=["players:read"]
                    )
                    key_id = key.id
                headers = {"Authorization": f"Bearer {secret}"}
                started = time.perf_counter()
                assert client.get("/v1/players/nobody", headers=headers).status_code == 404
                looks.append((time.perf_counter() - started) * 1000)  # remembered now
                with database.transaction() as session:
                    found = get_key(session, ensure_app(session).id, key_id)
                    assert found is not None
                    revoke_key(found, datetime.now(UTC))
                revoked = time.perf_counter()
                refused.append(
                    _until(
                        lambda h=headers: (
                            client.get("/v1/players/nobody", headers=h).status_code == 401
                        ),
                        revoked,
                    )
                )
    finally:
        database.dispose()
    return refused, looks


def _row(name: str, samples: list[float]) -> None:
    p90 = statistics.quantiles(samples, n=10)[8] if len(samples) > 1 else samples[0]
    print(f"{name:52} {statistics.median(samples):10.1f} {p90:8.1f} {len(samples):6}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--key-rounds", type=int, default=4)
    args = parser.parse_args()
    print(f"{'':52} {'median ms':>10} {'p90 ms':>8} {'n':>6}")
    with RedisServer() as redis, tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        modes = [
            ("thread, SQLite", {"embedded_worker": "thread"}),
            ("thread, SQLite + Redis", {"embedded_worker": "thread", "redis_url": True}),
            ("process, SQLite + Redis", {"embedded_worker": "process", "redis_url": True}),
        ]
        for index, (name, overrides) in enumerate(modes):
            if overrides.get("redis_url"):
                overrides = {**overrides, "redis_url": redis.url_for(index)}
            directory = Path(tmp) / f"events-{index}"
            directory.mkdir()
            settings = _settings(_database(directory), **overrides)
            background, floor = event_to_board(settings, args.rounds)
            _row(f"event on the board (worker {name})", background)
            _row("  baseline: sent with ?wait=true, board read once", floor)
        directory = Path(tmp) / "keys"
        directory.mkdir()
        url = _database(directory)
        for cache_seconds in (0.0, 1.0, 5.0):
            refused, looks = revoked_to_refused(url, cache_seconds, args.key_rounds)
            _row(f"revoked key refused (key cache {cache_seconds:g} s)", refused)
            _row("  baseline: one request with the key", looks)


if __name__ == "__main__":
    main()
