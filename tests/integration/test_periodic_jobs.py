"""What runs by itself on the embedded default, where no scheduler or worker process
exists: the periodic jobs, and the backfill after a publish."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from tests.integration.conftest import Api, make_settings

DESIGN = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  daily_xp: {rank_by: currency.xp, period: day}
"""


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    settings = make_settings(database_url, embedded_jobs=True, backfill_after_publish=True)
    with TestClient(create_app(settings)) as client:
        yield Api(client)


def test_the_server_archives_a_finished_day_by_itself(api: Api) -> None:
    api.publish(DESIGN)
    day = (datetime.now(UTC) - timedelta(days=3)).replace(hour=12, minute=0, second=0)
    for player, xp in (("ada", 10), ("bob", 20)):
        event = {"type": "lesson.done", "player": player, "time": day.isoformat()}
        api.post("/v1/events", params={"wait": "true"}, json={**event, "properties": {"xp": xp}})
    run = day.date().isoformat()
    deadline = time.monotonic() + 15
    while True:
        found = api.get(f"/v1/leaderboards/daily_xp/runs/{run}", expect=200).json()
        if found["final"]:
            break
        assert time.monotonic() < deadline, "the finished day was never archived"
        time.sleep(0.2)
    assert [(e["player"], e["rank"]) for e in found["data"]] == [("bob", 1), ("ada", 2)]


ACHIEVEMENTS = """
currencies:
  gems: {}
metrics:
  lessons: {count: lesson.done}
achievements:
  - id: starter
    progress: metric.lessons
    target: TARGET
    rewards: {currencies: {gems: 7}}
"""


def test_publishing_a_lower_target_awards_players_who_already_qualify(api: Api) -> None:
    api.publish(ACHIEVEMENTS.replace("TARGET", "5"))
    for _ in range(3):
        api.post(
            "/v1/events", params={"wait": "true"}, json={"type": "lesson.done", "player": "cy"}
        )
    assert api.player("cy")["currencies"]["gems"]["balance"] == 0

    api.publish(ACHIEVEMENTS.replace("TARGET", "3"))
    deadline = time.monotonic() + 15
    while api.player("cy")["currencies"]["gems"]["balance"] != 7:
        assert time.monotonic() < deadline, "the lowered achievement was never awarded"
        time.sleep(0.1)
    unlocked = api.get("/v1/players/cy/achievements", expect=200).json()["data"]
    assert [a["id"] for a in unlocked if a["unlocked"]] == ["starter"]
