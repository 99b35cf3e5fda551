"""Leaderboards over HTTP, as a host app reads them: in embedded mode (the database,
SQLite and PostgreSQL) and in distributed mode (Redis in front of the database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from questline.api.app import create_app
from questline.leaderboards.archive import archive_ended_runs
from questline.leaderboards.redis import COMPLETE
from questline.leaderboards.rolling import move_rolling_windows
from questline.storage.models import Player
from tests.integration.conftest import Api, make_settings
from tests.support.leaderboards import fresh_database
from tests.support.processes import wait_for

ROOT = Path(__file__).resolve().parents[2]

WEEKLY = """
currencies:
  xp: {}
rules:
  - id: xp
    on: lesson.done
    award: {xp: "event.xp"}
leaderboards:
  weekly_xp:
    rank_by: currency.xp
    period: week
    time_zone: America/New_York
  all_xp:
    rank_by: currency.xp
    ranking: dense
"""


@pytest.fixture(params=["sqlite", "postgresql", "sqlite+redis"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    kind, _, redis = request.param.partition("+")
    # With Redis, boards are served from it while the server's own thread still processes
    # events (no Celery workers in these tests).
    overrides = (
        {"redis_url": request.getfixturevalue("redis_url"), "embedded_worker": "thread"}
        if redis
        else {}
    )
    with (
        fresh_database(request, kind, tmp_path) as url,
        TestClient(
            create_app(make_settings(url, **overrides)), raise_server_exceptions=False
        ) as client,
    ):
        yield Api(client)


def _lesson(api: Api, player: str, xp: int, at: datetime | None = None) -> None:
    body: dict[str, Any] = {"type": "lesson.done", "player": player, "properties": {"xp": xp}}
    if at is not None:
        body["time"] = at.isoformat()
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)


def _board(api: Api, key: str, **params: Any) -> dict[str, Any]:
    return dict(api.get(f"/v1/leaderboards/{key}", params=params, expect=200).json())


def _rows(page: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(e["player"], e["score"], e["rank"]) for e in page["data"]]


def test_skillquest_shows_the_global_xp_top_10_and_a_player_s_rank(api: Api) -> None:
    api.publish_blueprint("skillquest")
    api.item("basics", "challenge", xp=100, pass_score=70)
    for n in range(12):
        api.event(f"p{n:02d}", "attempt.submitted", item="basics", score=50 + n)
    top = _board(api, "global_xp")
    assert [e["player"] for e in top["data"]] == [f"p{n:02d}" for n in range(11, 1, -1)]
    assert top["data"][0] == {
        "player": "p11",
        "display_name": None,
        "avatar_url": None,
        "score": 61,
        "rank": 1,
        "position": 1,
    }
    assert top["next_cursor"] is not None
    rest = _board(api, "global_xp", cursor=top["next_cursor"])
    assert _rows(rest) == [("p01", 51, 11), ("p00", 50, 12)]
    assert rest["next_cursor"] is None

    ranks = api.get("/v1/players/p00/ranks", expect=200).json()["data"]
    assert ranks == [
        {
            "board": "global_xp",
            "run": "all",
            "partition": None,
            "score": 50,
            "rank": 12,
            "position": 12,
            "percentile": 0.0,
            "players": 12,
        }
    ]


def test_a_page_reads_the_same_from_memory_as_from_the_store(api: Api) -> None:
    api.publish(WEEKLY)
    for n, player in enumerate(["ada", "bob", "cy"], start=1):
        _lesson(api, player, 10 * n)
    # The first read after a publish looks the design up; the next ones (with Redis,
    # answered on the event loop and then from the kept page) must not differ by a byte.
    first, second, third = (
        api.get("/v1/leaderboards/weekly_xp", params={"limit": 2}, expect=200).content
        for _ in range(3)
    )
    assert first == second == third
    assert [e["player"] for e in orjson.loads(first)["data"]] == ["cy", "bob"]


def test_fitness_ranks_players_by_points(api: Api) -> None:
    api.publish_blueprint("fitness")
    api.item("squat", "exercise", base_points=10, per_rep=1, per_set=0, per_kg=0, per_second=0)
    api.event("ada", "workout.logged", item="squat", reps=10, sets=1)
    api.event("bob", "workout.logged", item="squat", reps=5, sets=1)
    assert _rows(_board(api, "points")) == [("ada", 20, 1), ("bob", 15, 2)]


def test_around_and_friends(api: Api) -> None:
    api.publish(WEEKLY)
    for n, xp in enumerate([50, 40, 40, 30, 20, 10]):
        _lesson(api, f"p{n}", xp)
    around = _board(api, "all_xp", around="p3", radius=1)
    assert _rows(around) == [("p2", 40, 2), ("p3", 30, 3), ("p4", 20, 4)]  # dense ranks
    assert around["total"] == 6
    friends = _board(api, "all_xp", players="p5,p3,nobody")
    assert _rows(friends) == [("p3", 30, 1), ("p5", 10, 2)]


def test_a_processed_event_shows_on_the_board(api: Api) -> None:
    # How soon is measured, not asserted: bench/visibility.py.
    api.publish(WEEKLY)
    if "redis" in str(api.client.app.state.questline.settings.redis_url):  # type: ignore[attr-defined]
        store = api.client.app.state.questline.leaderboards.store  # type: ignore[attr-defined]
        assert store.client.exists(COMPLETE)  # filled at start: reads are Redis's own
    api.post(
        "/v1/events",
        json={"type": "lesson.done", "player": "zoe", "properties": {"xp": 7}},
        expect=202,
    )
    wait_for(
        lambda: _rows(_board(api, "all_xp")) == [("zoe", 7, 1)],
        timeout=30,
        what="zoe's event on the board",
    )


def test_replaying_an_event_id_counts_once(api: Api) -> None:
    api.publish(WEEKLY)
    body = {"id": "once", "type": "lesson.done", "player": "ada", "properties": {"xp": 5}}
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)
    for _ in range(2):
        again = api.post("/v1/events", params={"wait": "true"}, json=body, expect=200)
        assert again.json()["duplicate"] is True
    assert _rows(_board(api, "all_xp")) == [("ada", 5, 1)]


def test_a_weekly_board_cuts_weeks_at_midnight_in_its_own_zone_across_dst(api: Api) -> None:
    api.publish(WEEKLY)
    # New York leaves daylight time on Sunday 1 November 2026: that week has 169 hours.
    # Monday 2 November starts at 05:00 UTC.
    _lesson(api, "ada", 10, datetime(2026, 11, 2, 4, 59, tzinfo=UTC))  # Sunday 23:59 local
    _lesson(api, "bob", 20, datetime(2026, 11, 2, 5, 0, tzinfo=UTC))  # Monday 00:00 local
    runs = api.get("/v1/leaderboards/weekly_xp/runs", expect=200).json()["data"]
    assert [(r["run"], r["starts_at"], r["ends_at"]) for r in runs] == [
        ("2026-11-02", "2026-11-02T05:00:00Z", "2026-11-09T05:00:00Z"),
        ("2026-10-26", "2026-10-26T04:00:00Z", "2026-11-02T05:00:00Z"),
    ]
    assert _rows(api.get("/v1/leaderboards/weekly_xp/runs/2026-10-26", expect=200).json()) == [
        ("ada", 10, 1)
    ]
    assert _rows(_board(api, "weekly_xp", period="2026-11-02")) == [("bob", 20, 1)]


def test_an_ended_run_is_archived_once_and_then_frozen(api: Api) -> None:
    api.publish(WEEKLY)
    week = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    _lesson(api, "ada", 10, week)
    _lesson(api, "bob", 20, week + timedelta(days=1))
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    after = week + timedelta(days=7)
    archived = archive_ended_runs(context.database, context.leaderboards.store, after)
    assert [(a.board, a.run, a.players) for a in archived] == [("weekly_xp", "2026-11-02", 2)]
    assert archive_ended_runs(context.database, context.leaderboards.store, after) == []
    # A late event dated inside the finished week changes nothing there.
    _lesson(api, "cy", 99, week + timedelta(days=2))
    final = api.get("/v1/leaderboards/weekly_xp/runs/2026-11-02", expect=200).json()
    assert final["final"] is True
    assert _rows(final) == [("bob", 20, 1), ("ada", 10, 2)]
    run = api.get("/v1/leaderboards/weekly_xp/runs", expect=200).json()["data"][0]
    assert (run["run"], run["final"], run["players"]) == ("2026-11-02", True, 2)


def test_bad_requests_say_what_and_where(api: Api) -> None:
    api.publish(WEEKLY)
    _lesson(api, "ada", 10)
    missing = api.get("/v1/leaderboards/nope", expect=404).json()
    assert "all_xp" in missing["detail"]
    period = api.get("/v1/leaderboards/weekly_xp", params={"period": "yesterday"}, expect=422)
    assert period.json()["errors"][0]["loc"] == ["query", "period"]
    not_monday = api.get("/v1/leaderboards/weekly_xp", params={"period": "2026-11-03"}, expect=422)
    assert not_monday.json()["errors"][0]["loc"] == ["query", "period"]
    radius = api.get("/v1/leaderboards/all_xp", params={"around": "ada", "radius": 1000})
    assert radius.status_code == 422
    assert radius.json()["errors"][0]["loc"] == ["query", "radius"]
    api.get("/v1/leaderboards/all_xp", params={"around": "nobody"}, expect=404)
    api.get("/v1/leaderboards/all_xp", params={"partition": "red"}, expect=422)
    api.get("/v1/players/nobody/ranks", expect=404)


def test_a_design_with_a_bad_board_is_refused_with_its_location(api: Api) -> None:
    bad = WEEKLY + "  broken:\n    rank_by: metric.missing\n"
    response = api.request(
        "PUT",
        "/v1/config",
        content=bad.encode(),
        headers={"Content-Type": "application/yaml"},
        expect=422,
    )
    errors = response.json()["errors"]
    assert errors == [
        {
            "loc": ["leaderboards", "broken", "rank_by"],
            "message": "unknown metric 'missing' (declared: none are declared)",
        }
    ]


def test_a_hidden_player_is_on_no_board_and_comes_back_with_every_point(api: Api) -> None:
    api.publish(WEEKLY)
    for player, xp in (("ada", 30), ("bob", 20), ("cy", 10)):
        _lesson(api, player, xp)
    hide = api.request(
        "PUT", "/v1/players/bob/leaderboards", json={"hidden": True}, expect=200
    ).json()
    assert hide == {"player": "bob", "hidden": True}
    assert _rows(_board(api, "all_xp")) == [("ada", 30, 1), ("cy", 10, 2)]
    assert api.get("/v1/players/bob/ranks", expect=200).json()["data"] == []
    _lesson(api, "bob", 15)  # still earning while hidden
    assert _rows(_board(api, "all_xp")) == [("ada", 30, 1), ("cy", 10, 2)]
    api.request("PUT", "/v1/players/bob/leaderboards", json={"hidden": False}, expect=200)
    assert _rows(_board(api, "all_xp")) == [("bob", 35, 1), ("ada", 30, 2), ("cy", 10, 3)]
    bad = api.request("PUT", "/v1/players/bob/leaderboards", json={"hidden": "maybe"}, expect=422)
    assert bad.json()["errors"][0]["loc"] == ["hidden"]
    api.request("PUT", "/v1/players/nobody/leaderboards", json={"hidden": True}, expect=404)


def test_a_worker_in_a_child_process_also_updates_redis(database_url: str, redis_url: str) -> None:
    settings = make_settings(database_url, redis_url=redis_url, embedded_worker="process")
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        api.publish(WEEKLY)
        store = client.app.state.questline.leaderboards.store  # type: ignore[attr-defined]
        for n, player in enumerate(["ada", "bob"], start=1):
            body = {"type": "lesson.done", "player": player, "properties": {"xp": n}}
            api.post("/v1/events", json=body, expect=202)
            # The first event also waits for the child process to start.
            wait_for(
                lambda n=n: len(_rows(_board(api, "all_xp"))) == n,
                timeout=60,
                what=f"{player} on the board",
            )
        # Served by Redis, which the child process wrote to.
        assert store.client.exists(COMPLETE)
        assert store.client.zcard("ql:lb:1:all_xp:all:z:") == 2
        assert _rows(_board(api, "all_xp")) == [("bob", 2, 1), ("ada", 1, 2)]


TEAMS = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  team_xp: {rank_by: currency.xp, partition_by: team}
"""


def test_a_partitioned_board_ranks_players_within_their_team(api: Api) -> None:
    api.publish(TEAMS)
    teams = {"ada": "red", "bob": "blue", "cy": "red", "dee": "blue"}
    for player in teams:
        _lesson(api, player, 0)  # the player exists; their team is set by the host app
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    with context.database.transaction() as session:
        for player, team in teams.items():
            row = session.scalar(select(Player).where(Player.external_id == player))
            assert row is not None
            row.attributes = {"team": team}
    for player, xp in (("ada", 10), ("bob", 40), ("cy", 30), ("dee", 20)):
        _lesson(api, player, xp)
    red = _board(api, "team_xp", partition="red")
    assert (red["partition"], _rows(red)) == ("red", [("cy", 30, 1), ("ada", 10, 2)])
    around = _board(api, "team_xp", around="dee", radius=3)
    assert (around["partition"], _rows(around)) == ("blue", [("bob", 40, 1), ("dee", 20, 2)])
    ranks = api.get("/v1/players/ada/ranks", expect=200).json()["data"]
    assert [(r["partition"], r["rank"], r["players"]) for r in ranks] == [("red", 2, 2)]
    missing = api.get("/v1/leaderboards/team_xp", expect=422).json()
    assert missing["errors"][0]["loc"] == ["query", "partition"]


ROLLING = """
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  last3: {rank_by: currency.xp, period: rolling, days: 3}
"""


def test_a_rolling_board_counts_the_last_days_and_drops_a_day_once_it_leaves(api: Api) -> None:
    api.publish(ROLLING)
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    _lesson(api, "ada", 10, today - timedelta(days=2) + timedelta(hours=1))
    _lesson(api, "bob", 15, today - timedelta(days=1))
    _lesson(api, "ada", 7, now)
    board = _board(api, "last3")
    assert (board["run"], board["starts_at"]) == ("rolling", _iso(today - timedelta(days=2)))
    assert _rows(board) == [("ada", 17, 1), ("bob", 15, 2)]

    context = api.client.app.state.questline  # type: ignore[attr-defined]
    tomorrow = now + timedelta(days=1)
    moved = move_rolling_windows(context.database, context.leaderboards.store, now=tomorrow)
    dropped = (today - timedelta(days=2)).date().isoformat()
    assert [(m.board, m.days_out, m.players) for m in moved] == [("last3", [dropped], 1)]
    assert move_rolling_windows(context.database, context.leaderboards.store, now=tomorrow) == []
    assert _rows(_board(api, "last3")) == [("bob", 15, 1), ("ada", 7, 2)]
    # The day itself is kept as a run of its own.
    assert _rows(_board(api, "last3", period=dropped)) == [("ada", 10, 1)]
    # A late event dated in the dropped day counts on that day, not in the window.
    _lesson(api, "cy", 50, today - timedelta(days=2) + timedelta(hours=2))
    assert _rows(_board(api, "last3")) == [("bob", 15, 1), ("ada", 7, 2)]


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


STREAKS = """
metrics:
  lessons: {count: lesson.done}
streaks:
  daily: {when: "metric.lessons.today >= 1"}
leaderboards:
  longest_running:
    rank_by: streak.daily
"""


def test_a_board_ranks_current_streaks_and_a_break_drops_a_player_back(api: Api) -> None:
    api.publish(STREAKS)
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    for day in range(4):
        _lesson(api, "ada", 0, start + timedelta(days=day))
    for day in range(2):
        _lesson(api, "bob", 0, start + timedelta(days=day))
    assert _rows(_board(api, "longest_running")) == [("ada", 4, 1), ("bob", 2, 2)]
    # ada skips two days: her next lesson starts a new streak of 1.
    _lesson(api, "ada", 0, start + timedelta(days=6))
    assert _rows(_board(api, "longest_running")) == [("bob", 2, 1), ("ada", 1, 2)]


def test_a_board_cannot_rank_by_an_undeclared_streak(api: Api) -> None:
    bad = STREAKS.replace("rank_by: streak.daily", "rank_by: streak.weekly")
    response = api.request(
        "PUT",
        "/v1/config",
        content=bad.encode(),
        headers={"Content-Type": "application/yaml"},
        expect=422,
    )
    assert response.json()["errors"] == [
        {
            "loc": ["leaderboards", "longest_running", "rank_by"],
            "message": "unknown streak 'weekly' (declared: daily)",
        }
    ]


def test_a_board_ranks_a_bounded_score_and_follows_it_down(api: Api) -> None:
    design = (ROOT / "blueprints" / "reputation.yaml").read_text()
    api.publish(design + "leaderboards:\n  most_reliable: {rank_by: score.reputation}\n")

    def session(player: str, kind: str, times: int = 1) -> None:
        for _ in range(times):
            body = {"type": f"session.{kind}", "player": player}
            api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)

    session("ada", "completed", 3)
    session("bob", "completed")
    session("bob", "no_show", 7)  # bob's score stops at the lower bound, −5
    assert _rows(_board(api, "most_reliable")) == [("ada", 3, 1), ("bob", -5, 2)]
    session("ada", "no_show", 3)
    assert _rows(_board(api, "most_reliable")) == [("ada", 0, 1), ("bob", -5, 2)]
