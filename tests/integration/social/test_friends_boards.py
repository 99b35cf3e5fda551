"""Friends leaderboards: any board read among the players someone follows, and them,
ranked within that circle by the board's method — in the database and in Redis, for the
current run and for runs that are over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from questline.api.app import create_app
from questline.leaderboards.archive import archive_ended_runs
from questline.storage.models import Player
from tests.integration.conftest import Api, make_settings
from tests.support.leaderboards import fresh_database

BOARDS = """
modules: [social]
currencies:
  xp: {}
rules:
  - {id: xp, on: lesson.done, award: {xp: "event.xp"}}
leaderboards:
  competition: {rank_by: currency.xp}
  dense: {rank_by: currency.xp, ranking: dense}
  ordinal: {rank_by: currency.xp, ranking: ordinal}
  weekly: {rank_by: currency.xp, period: week}
  by_team: {rank_by: currency.xp, partition_by: team}
"""
WEEK = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql", "sqlite+redis", "postgresql+redis"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    kind, _, redis = request.param.partition("+")
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


def lesson(api: Api, player: str, xp: int, **more: Any) -> None:
    body: dict[str, Any] = {"type": "lesson.done", "player": player, "properties": {"xp": xp}}
    body.update(more)
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)


def follow(api: Api, player: str, *others: str) -> None:
    for other in others:
        api.request("PUT", f"/v1/players/{player}/following/{other}", expect=201)


def friends(api: Api, key: str, player: str, **params: Any) -> list[tuple[str, int, int]]:
    page = api.get(
        f"/v1/leaderboards/{key}",
        params={"among": "following", "player": player, **params},
        expect=200,
    ).json()
    assert page["total"] == len(page["data"])
    return [(e["player"], e["score"], e["rank"]) for e in page["data"]]


def test_ranks_are_within_the_circle_by_every_ranking_method(api: Api) -> None:
    api.publish(BOARDS)
    for player, xp in [("top", 90), ("ada", 30), ("bob", 50), ("cy", 50), ("dee", 10)]:
        lesson(api, player, xp)
    follow(api, "ada", "bob", "cy", "dee")  # not "top": the circle's best is 50
    assert friends(api, "competition", "ada") == [
        ("bob", 50, 1),
        ("cy", 50, 1),
        ("ada", 30, 3),
        ("dee", 10, 4),
    ]
    assert [r for _, _, r in friends(api, "dense", "ada")] == [1, 1, 2, 3]
    assert [r for _, _, r in friends(api, "ordinal", "ada")] == [1, 2, 3, 4]
    assert friends(api, "competition", "dee") == [("dee", 10, 1)]  # follows no one


def circle_pages(api: Api, key: str, player: str, limit: int) -> list[dict[str, Any]]:
    """Every page of a circle's board, following `next_cursor`."""
    pages, cursor = [], None
    while True:
        params = {"among": "following", "player": player, "limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        page = api.get(f"/v1/leaderboards/{key}", params=params, expect=200).json()
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_a_circles_board_is_read_a_page_at_a_time_with_the_players_own_standing(
    api: Api,
) -> None:
    api.publish(BOARDS)
    scores = [("b1", 50), ("b2", 50), ("b3", 40), ("b4", 40), ("b5", 40), ("ada", 30)]
    for player, xp in [*scores, ("b6", 10), ("top", 99)]:
        lesson(api, player, xp)
    follow(api, "ada", "b1", "b2", "b3", "b4", "b5", "b6")  # not "top"
    expected = {
        "competition": [1, 1, 3, 3, 3, 6, 7],
        "dense": [1, 1, 2, 2, 2, 3, 4],
        "ordinal": [1, 2, 3, 4, 5, 6, 7],
    }
    for key, ranks in expected.items():
        pages = circle_pages(api, key, "ada", limit=3)
        assert [len(page["data"]) for page in pages] == [3, 3, 1]
        entries = [e for page in pages for e in page["data"]]
        assert [(e["player"], e["score"]) for e in entries] == [*scores, ("b6", 10)]
        assert [e["rank"] for e in entries] == ranks
        assert [e["position"] for e in entries] == list(range(1, 8))
        for page in pages:
            assert page["total"] == 7
            own = page["player_standing"]
            assert (own["player"], own["score"], own["rank"], own["position"]) == (
                "ada",
                30,
                ranks[5],
                6,
            )
    first = api.get(
        "/v1/leaderboards/competition",
        params={"among": "following", "player": "b6", "limit": 1},
        expect=200,
    ).json()  # b6 follows no one: a circle of one
    assert (first["total"], first["next_cursor"]) == (1, None)
    assert first["player_standing"]["rank"] == 1


def test_a_circles_board_shows_each_players_name_and_avatar(api: Api) -> None:
    api.publish(BOARDS)
    lesson(
        api, "ada", 30, profile={"name": "Ada L.", "avatar_url": "https://cdn.example.com/a.png"}
    )
    lesson(api, "bob", 50, profile={"name": "Bob"})
    lesson(api, "cy", 10)
    follow(api, "ada", "bob", "cy")
    page = api.get(
        "/v1/leaderboards/competition",
        params={"among": "following", "player": "ada"},
        expect=200,
    ).json()
    assert [(e["player"], e["display_name"], e["avatar_url"]) for e in page["data"]] == [
        ("bob", "Bob", None),
        ("ada", "Ada L.", "https://cdn.example.com/a.png"),
        ("cy", None, None),
    ]
    assert page["player_standing"]["display_name"] == "Ada L."


def test_a_run_that_is_over_is_read_among_friends_too(api: Api) -> None:
    api.publish(BOARDS)
    lesson(api, "ada", 10, time=WEEK.isoformat())
    lesson(api, "bob", 20, time=(WEEK + timedelta(days=1)).isoformat())
    lesson(api, "cy", 99, time=(WEEK + timedelta(days=1)).isoformat())
    follow(api, "ada", "bob")
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    archive_ended_runs(context.database, context.leaderboards.store, WEEK + timedelta(days=7))
    assert friends(api, "weekly", "ada", period="2026-11-02") == [("bob", 20, 1), ("ada", 10, 2)]


def test_a_partitioned_board_is_read_in_the_players_partition(api: Api) -> None:
    api.publish(BOARDS)
    teams = {"ada": "red", "bob": "red", "cy": "blue"}
    for player in teams:
        lesson(api, player, 0)  # the player exists; their team is set by the host app
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    with context.database.transaction() as session:
        for player, team in teams.items():
            row = session.scalar(select(Player).where(Player.external_id == player))
            assert row is not None
            row.attributes = {"team": team}
    for player, xp in (("ada", 10), ("bob", 20), ("cy", 30)):
        lesson(api, player, xp)
    follow(api, "ada", "bob", "cy")
    assert friends(api, "by_team", "ada") == [("bob", 20, 1), ("ada", 10, 2)]
    assert friends(api, "by_team", "ada", partition="blue") == [("cy", 30, 1)]
    blue = api.get(
        "/v1/leaderboards/by_team",
        params={"among": "following", "player": "ada", "partition": "blue"},
        expect=200,
    ).json()
    assert blue["player_standing"] is None  # ada is not on the blue board


def test_private_unfollowed_and_blocked_players_leave_the_circle(api: Api) -> None:
    api.publish(BOARDS)
    for player, xp in [("ada", 10), ("bob", 20), ("cy", 30), ("dee", 40)]:
        lesson(api, player, xp)
    follow(api, "ada", "bob", "cy", "dee")
    api.request("PUT", "/v1/players/bob/profile", json={"private": True}, expect=200)
    api.request("PUT", "/v1/players/cy/blocks/ada", expect=201)
    api.request("DELETE", "/v1/players/ada/following/dee", expect=204)
    assert friends(api, "competition", "ada") == [("ada", 10, 1)]


def test_bad_circle_requests_say_what_and_where(api: Api) -> None:
    api.publish(BOARDS)
    lesson(api, "ada", 10)

    def problem(**params: Any) -> list[Any]:
        response = api.get("/v1/leaderboards/competition", params=params, expect=422)
        return list(response.json()["errors"][0]["loc"])

    assert problem(among="following") == ["query", "player"]
    assert problem(among="everyone", player="ada") == ["query", "among"]
    assert problem(player="ada") == ["query", "among"]
    assert problem(among="following", player="ada", around="ada") == ["query", "among"]
    assert problem(among="following", player="ada", players="bob") == ["query", "among"]
    api.get(
        "/v1/leaderboards/competition",
        params={"among": "following", "player": "nobody"},
        expect=404,
    )
