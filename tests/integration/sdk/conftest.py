"""A live Questline server for the client's tests: `questline serve` in a process of its
own on loopback, on a SQLite file, with the bootstrap admin key and a published game.

The client's tests check what the client does with a server's answers, which are the
same on either database (the server's own tests run on both), so they run on SQLite.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from questline_client import EventDetails, Questline
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import JWT_SECRET
from tests.support.migrated import migrated_sqlite
from tests.support.processes import QuestlineProcess, free_port, start_api

GAME = """
modules: [social]  # friends boards
currencies:
  xp: {name: XP, levels: {thresholds: [0, 100, 300]}}
metrics:
  did: {count: did}
rules:
  - {id: did-xp, name: Doing, on: did, award: {xp: "default(event.n, 10)"}}
streaks:
  daily: {name: Daily, when: "metric.did.today >= 1"}
achievements:
  - {id: first-step, name: First step, progress: metric.did, target: 1}
quests:
  - id: ten-today
    name: Ten today
    period: day
    objectives: [{metric: did, target: 10}]
    rewards: {currencies: {xp: 5}}
scores:
  activity:
    name: Activity
    formula: "metric.did"
    min: 0
    max: 100
    tiers: [{name: busy, min: 3}, {name: calm}]
leaderboards:
  xp: {name: XP, rank_by: currency.xp}
"""


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: QuestlineProcess
    database_url: str

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})

    def client(self, **options: object) -> Questline:
        return Questline(ADMIN_KEY, self.url, **options)  # type: ignore[arg-type]


def serve(workdir: Path, game: str = GAME, **settings: str) -> LiveServer:
    url = migrated_sqlite(workdir / "questline.db")
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": url,
        "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY,
        "QUESTLINE_JWT_SECRET": JWT_SECRET,
        "QUESTLINE_SQLITE_SYNCHRONOUS": "NORMAL",
        "QUESTLINE_WORKER_POLL_SECONDS": "0.05",
        "QUESTLINE_EMBEDDED_JOBS": "false",
        "QUESTLINE_NOTIFICATION_PING_SECONDS": "0.2",
        "QUESTLINE_LOG_LEVEL": "warning",
        **{f"QUESTLINE_{name.upper()}": value for name, value in settings.items()},
    }
    env.pop("QUESTLINE_REDIS_URL", None)
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", start_api(env, workdir, "serve", port), url)
    with server.admin() as admin:
        published = admin.put(
            "/v1/config", content=game, headers={"Content-Type": "application/yaml"}
        )
    if published.status_code != 201:
        server.process.kill()
        raise AssertionError(published.text)
    return server


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for these tests; they keep apart by using players of their own."""
    server = serve(
        tmp_path_factory.mktemp("questline"),
        # Player tokens get a low limit, so that a test can meet a real 429.
        rate_limit_per_player="10/second",
        # Streams end soon, as they do after their lifetime, so reconnection is exercised.
        notification_stream_seconds="1",
        # The tests' webhook receiver is on loopback.
        webhook_allowed_networks="127.0.0.0/8",
    )
    try:
        yield server
    finally:
        server.process.kill()


@pytest.fixture
def questline(live: LiveServer) -> Iterator[Questline]:
    with live.client() as client:
        yield client


def processed(client: Questline, event_ids: list[str], timeout: float = 60) -> list[EventDetails]:
    """The events, once the server has processed them all."""
    deadline = time.monotonic() + timeout
    while True:
        found = [client.event(event_id) for event_id in event_ids]
        if all(e.status != "pending" for e in found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending: {[e.id for e in found if e.status == 'pending']}")
        time.sleep(0.05)


def eventually(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
