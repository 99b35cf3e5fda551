"""What runs by itself on the embedded default, where no scheduler or worker process
exists: the periodic jobs, and the backfill after a publish."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from questline.api.app import create_app
from questline.processing.backfill import STALE, backfill_achievements
from questline.processing.batch import Processed
from questline.processing.periodic import JobContext, resume_backfills
from questline.seeding import publish_file
from questline.storage.apps import DEFAULT_APP
from tests.integration.conftest import Api, default_app_id, make_settings

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
    # One batch: the day has long ended, so the server may archive it as soon as it holds
    # a first score; events sent one by one could reach it after that.
    events = [
        {"type": "lesson.done", "player": player, "time": day.isoformat(), "properties": {"xp": xp}}
        for player, xp in (("ada", 10), ("bob", 20))
    ]
    api.post("/v1/events/batch", params={"wait": "true"}, json={"events": events}, expect=202)
    run = day.date().isoformat()
    # The archiving job runs soon after start, then every minute: on a busy machine its
    # first run may come before the events, and the one that archives the day a minute on.
    deadline = time.monotonic() + 90
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
        _lesson(api, "cy")
    assert api.player("cy")["currencies"]["gems"]["balance"] == 0

    api.publish(ACHIEVEMENTS.replace("TARGET", "3"))
    deadline = time.monotonic() + 15
    while api.player("cy")["currencies"]["gems"]["balance"] != 7:
        assert time.monotonic() < deadline, "the lowered achievement was never awarded"
        time.sleep(0.1)
    unlocked = api.get("/v1/players/cy/achievements", expect=200).json()["data"]
    assert [a["id"] for a in unlocked if a["unlocked"]] == ["starter"]
    _wait_until(lambda: _backfilled_at(api) is not None, "the backfill's end was never noted")


def _lesson(api: Api, player: str) -> None:
    event = {"type": "lesson.done", "player": player}
    api.post("/v1/events", params={"wait": "true"}, json=event, expect=202)


def _wait_until(done: Callable[[], bool], failure: str) -> None:
    deadline = time.monotonic() + 15
    while not done():
        assert time.monotonic() < deadline, failure
        time.sleep(0.1)


def _backfilled_at(api: Api) -> Any:
    return api.get("/v1/config", expect=200).json()["backfilled_at"]


def _gems(api: Api, player: str) -> int:
    return int(api.player(player)["currencies"]["gems"]["balance"])


def _apply(api: Api, tmp_path: Path, yaml_text: str) -> tuple[Any, int]:
    """Publish as `questline apply` does, asking for no backfill; (context, app id)."""
    design = tmp_path / "design.yaml"
    design.write_text(yaml_text)
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    publish_file(context.database, DEFAULT_APP, design)
    app_id = default_app_id(context)
    context.designs.forget_current(app_id)
    return context, app_id


def test_a_backfill_cut_short_is_run_again_by_the_periodic_job(api: Api, tmp_path: Path) -> None:
    api.publish(ACHIEVEMENTS.replace("TARGET", "5"))
    for player in ("cy", "di"):
        for _ in range(3):
            _lesson(api, player)
    context, app_id = _apply(api, tmp_path, ACHIEVEMENTS.replace("TARGET", "3"))

    class Stopped(Exception):
        pass

    settled: list[int] = []

    def stop_at_the_second_player(_session: Session, results: Sequence[Processed]) -> None:
        settled.extend(result.player_id for result in results)
        if len(settled) == 2:
            raise Stopped  # as if the server stopped: di's transaction never commits

    with pytest.raises(Stopped):
        backfill_achievements(
            context.database, context.worker.designs, app_id, stop_at_the_second_player
        )
    assert (_gems(api, "cy"), _gems(api, "di")) == (7, 0)
    assert _backfilled_at(api) is None

    job = JobContext(context.settings, context.database, context.worker, context.backfill)
    assert resume_backfills(job) == []  # the run said it was alive a moment ago
    silent = datetime.now(UTC) + STALE + timedelta(seconds=1)
    assert resume_backfills(job, silent) == [app_id]
    assert resume_backfills(job, silent) == []  # claimed: another scheduler takes nothing
    _wait_until(lambda: _gems(api, "di") == 7, "the resumed backfill never reached di")
    _wait_until(lambda: _backfilled_at(api) is not None, "the backfill's end was never noted")
    assert _gems(api, "cy") == 7  # awarded once, by the run cut short
    assert resume_backfills(job, silent + 2 * STALE) == []


def test_no_backfill_is_resumed_when_backfills_are_turned_off(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, backfill_after_publish=False)
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        api.publish(ACHIEVEMENTS.replace("TARGET", "5"))
        _lesson(api, "cy")
        context, _ = _apply(api, tmp_path, ACHIEVEMENTS.replace("TARGET", "1"))
        job = JobContext(context.settings, context.database, context.worker, context.backfill)
        later = datetime.now(UTC) + 2 * STALE
        assert resume_backfills(job, later) == []
        assert (_gems(api, "cy"), _backfilled_at(api)) == (0, None)
