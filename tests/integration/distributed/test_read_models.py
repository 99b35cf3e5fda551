"""What Celery workers commit reaches what the API serves from Redis: the leaderboards
and the score cache, with no API process involved in the processing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.support.processes import QuestlineProcess, wait_for

pytestmark = pytest.mark.postgres

DESIGN = """
currencies:
  xp: {}
metrics:
  done: {count: did}
rules:
  - {id: xp, on: did, award: {xp: "event.n"}}
scores:
  activity:
    formula: "metric.done"
    tiers:
      - {name: busy, min: 2}
      - {name: idle, min: 0}
leaderboards:
  top: {rank_by: currency.xp}
"""


def test_a_workers_commit_shows_on_the_redis_board_and_in_fresh_scores(
    api: Api, workers: Callable[..., QuestlineProcess]
) -> None:
    api.publish(DESIGN)
    for player, n in (("ada", 5), ("bob", 9)):
        event = {"id": f"{player}-1", "type": "did", "player": player, "properties": {"n": n}}
        api.post("/v1/events", json=event, expect=202)
    # Read while the events wait for a worker: the score (0) is now in the Redis cache.
    before = api.get("/v1/players/ada/scores/activity", expect=200).json()
    workers("a")

    def board() -> list[tuple[Any, Any]]:
        rows = api.get("/v1/leaderboards/top", expect=200).json()["data"]
        return [(row["player"], row["score"]) for row in rows]

    wait_for(lambda: board() == [("bob", 9), ("ada", 5)], timeout=30, what="the board")
    after = api.get("/v1/players/ada/scores/activity", expect=200).json()
    assert (before["value"], after["value"]) == (0, 1)
