"""`questline rebuild leaderboards` and `questline leaderboards archive`, run as an
operator runs them: separate processes, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.leaderboards.redis import COMPLETE
from tests.integration.conftest import Api, make_settings

ROOT = Path(__file__).resolve().parents[2]
DESIGN = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  daily: {rank_by: currency.xp, period: day}
  total: {rank_by: currency.xp}
"""


def questline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "questline.cli", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _seed(database_url: str, redis_url: str | None, day: datetime) -> None:
    settings = make_settings(database_url, redis_url=redis_url)
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        api.publish(DESIGN)
        for player, xp in (("ada", 10), ("bob", 20)):
            body = {"type": "lesson.done", "player": player, "properties": {"xp": xp},
                    "time": day.isoformat()}  # fmt: skip
            api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)


def test_rebuild_refills_redis_after_it_lost_everything(database_url: str, redis_url: str) -> None:
    today = datetime.now(UTC)
    _seed(database_url, redis_url, today)
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushall()
        done = questline(
            {"QUESTLINE_DATABASE_URL": database_url, "QUESTLINE_REDIS_URL": redis_url},
            "rebuild",
            "leaderboards",
        )
        assert done.returncode == 0, done.stderr
        assert "4 scores" in done.stdout  # two players on two boards
        assert client.exists(COMPLETE)
        assert client.zcard("ql:lb:1:total:all:z:") == 2
    finally:
        client.close()


def test_rebuild_without_redis_says_there_is_nothing_to_do(database_url: str) -> None:
    done = questline({"QUESTLINE_DATABASE_URL": database_url}, "rebuild", "leaderboards")
    assert done.returncode == 0
    assert "nothing to do" in done.stdout


def test_archive_finalizes_ended_runs_once(database_url: str) -> None:
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    _seed(database_url, None, two_days_ago)
    env = {"QUESTLINE_DATABASE_URL": database_url}
    first = questline(env, "leaderboards", "archive")
    assert first.returncode == 0, first.stderr
    assert f"daily {two_days_ago.date().isoformat()} final with 2 players" in first.stdout
    assert "1 run(s) archived" in first.stdout
    again = questline(env, "leaderboards", "archive")
    assert "0 run(s) archived" in again.stdout


def test_leagues_rollover_runs_as_a_command(database_url: str) -> None:
    # Settling itself is specified in test_leagues_api; this is the operator's entry point.
    done = questline({"QUESTLINE_DATABASE_URL": database_url}, "leagues", "rollover")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 player(s) settled: 0 promoted, 0 demoted, 0 stayed"
