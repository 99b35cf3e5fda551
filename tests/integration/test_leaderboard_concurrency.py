"""Two workers processing one app's events at once: every event counts on the board
exactly once, and the board's counts stay in step with its scores."""

from __future__ import annotations

import random
import threading

from fastapi.testclient import TestClient
from sqlalchemy import text

from questline.api.app import create_app
from questline.processing.worker import Worker
from questline.storage.database import Database
from tests.integration.conftest import Api, make_settings

DESIGN = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  all_xp: {rank_by: currency.xp}
  weekly: {rank_by: currency.xp, period: week}
"""


def test_two_workers_at_once_count_every_event_once(database_url: str) -> None:
    settings = make_settings(database_url, embedded_worker="off")
    rng = random.Random(3)
    events = [
        {"type": "lesson.done", "player": f"p{rng.randrange(6)}", "properties": {"xp": n % 17}}
        for n in range(400)
    ]
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        api.publish(DESIGN)
        for start in range(0, len(events), 100):
            api.post("/v1/events/batch", json={"events": events[start : start + 100]}, expect=202)

        databases = [Database(database_url, sqlite_synchronous="OFF") for _ in range(2)]
        try:
            workers = [Worker(database) for database in databases]
            done: list[int] = []

            def drain(worker: Worker) -> None:
                done.append(worker.drain(batch=7))

            threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            for database in databases:
                database.dispose()
        assert sum(done) == len(events)

        expected: dict[str, int] = {}
        for event in events:
            player = str(event["player"])
            expected[player] = expected.get(player, 0) + int(event["properties"]["xp"])  # type: ignore[index]
        for board in ("all_xp", "weekly"):
            page = api.get(f"/v1/leaderboards/{board}", params={"limit": 50}, expect=200).json()
            assert {e["player"]: e["score"] for e in page["data"]} == expected
        context = client.app.state.questline  # type: ignore[attr-defined]
        with context.database.reader() as session:
            counts = session.execute(
                text("SELECT board, players FROM leaderboard_counts ORDER BY board")
            ).all()
            buckets = session.execute(
                text("SELECT board, SUM(players) FROM leaderboard_buckets GROUP BY board"
                     " ORDER BY board")
            ).all()  # fmt: skip
        assert [tuple(row) for row in counts] == [("all_xp", 6), ("weekly", 6)]
        assert [tuple(row) for row in buckets] == [("all_xp", 6), ("weekly", 6)]
