"""What Celery workers do reaches what the API serves: the leaderboards and the score
cache in Redis, and the backfill after a publish or resumed by the scheduler — no API
process does the work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from questline.api.app import create_app
from questline.processing.distributed import PERIODIC_TASK, QUEUE, create_celery
from questline.settings import Settings
from questline.storage.database import Database
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


ACHIEVEMENT = """
currencies:
  gems: {}
metrics:
  done: {count: did}
achievements:
  - {id: regular, progress: metric.done, target: TARGET, rewards: {currencies: {gems: 3}}}
leaderboards:
  gems: {rank_by: currency.gems}
"""


def test_a_worker_backfills_a_lowered_achievement_after_a_publish(
    distributed: Settings, workers: Callable[..., QuestlineProcess]
) -> None:
    settings = distributed.model_copy(update={"backfill_after_publish": True})
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        workers("a")
        api.publish(ACHIEVEMENT.replace("TARGET", "5"))
        for n in range(2):
            event = {"id": f"d{n}", "type": "did", "player": "dee"}
            api.post("/v1/events", params={"wait": "true"}, json=event, expect=202)
        assert api.player("dee")["currencies"]["gems"]["balance"] == 0
        api.publish(ACHIEVEMENT.replace("TARGET", "2"))
        wait_for(
            lambda: api.player("dee")["currencies"]["gems"]["balance"] == 3,
            timeout=30,
            what="the backfill on a worker",
        )
        # The reward reaches the board in Redis too, written by the worker.
        wait_for(
            lambda: (
                api.get("/v1/leaderboards/gems", expect=200).json()["data"]
                == [
                    {
                        "player": "dee",
                        "display_name": None,
                        "avatar_url": None,
                        "score": 3,
                        "rank": 1,
                        "position": 1,
                    }
                ]
            ),
            timeout=5,
            what="the reward on the board",
        )


def test_the_scheduler_has_a_worker_run_a_backfill_that_never_ran(
    api: Api, distributed: Settings, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    # This API asks for no backfill after a publish, as `questline apply` does not.
    api.publish(ACHIEVEMENT.replace("TARGET", "5"))
    for n in range(2):
        event = {"id": f"e{n}", "type": "did", "player": "eve"}
        api.post("/v1/events", json=event, expect=202)
    workers("a")
    wait_for(
        lambda: api.player("eve")["metrics"]["done"]["all"] == 2, timeout=30, what="the events"
    )
    api.publish(ACHIEVEMENT.replace("TARGET", "2"))
    with database.transaction() as session:  # published three minutes ago
        session.execute(
            text("UPDATE config_versions SET created_at = created_at - interval '3 minutes'")
        )
    celery = create_celery(distributed)
    celery.send_task(PERIODIC_TASK, args=["backfill-resume"], queue=QUEUE)  # as beat does
    celery.close()
    wait_for(
        lambda: api.player("eve")["currencies"]["gems"]["balance"] == 3,
        timeout=30,
        what="the resumed backfill on a worker",
    )
    assert api.get("/v1/config", expect=200).json()["backfilled_at"] is not None
