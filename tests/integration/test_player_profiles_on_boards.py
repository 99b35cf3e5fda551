"""A board and a league group carry each player's display name and avatar, so a client
shows them as they come; both ride on an event's `profile`, like the time zone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from questline.api.app import create_app
from questline.storage.models import Player
from tests.integration.conftest import Api, make_settings
from tests.support.leaderboards import fresh_database

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
leaderboards:
  top: {rank_by: currency.xp}
leagues:
  rank_by: currency.xp
  tiers:
    - {name: bronze, promote: 1, demote: 0}
    - {name: silver, promote: 0, demote: 1}
"""
ADA = "https://cdn.example.com/avatars/ada.png"


@pytest.fixture(params=["sqlite", "postgresql", "sqlite+redis"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    kind, _, redis = request.param.partition("+")
    # With Redis, a current board's page is answered from the API process's memory.
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


def _did(api: Api, player: str, n: int, **profile: Any) -> None:
    body: dict[str, Any] = {"type": "did", "player": player, "properties": {"n": n}}
    if profile:
        body["profile"] = profile
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)


def _shown(entries: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    return [(e["player"], e["display_name"], e["avatar_url"]) for e in entries]


def test_board_entries_carry_display_names_and_avatars(api: Api) -> None:
    api.publish(DESIGN)
    _did(api, "ada", 30, name="Ada", avatar_url=ADA)
    _did(api, "bob", 20, name="Bob")
    _did(api, "cyd", 10)
    expected = [("ada", "Ada", ADA), ("bob", "Bob", None), ("cyd", None, None)]
    assert _shown(api.get("/v1/leaderboards/top", expect=200).json()["data"]) == expected
    around = api.get("/v1/leaderboards/top", params={"around": "bob", "radius": 1}, expect=200)
    assert _shown(around.json()["data"]) == expected
    friends = api.get("/v1/leaderboards/top", params={"players": "cyd,ada"}, expect=200)
    assert _shown(friends.json()["data"]) == [expected[0], expected[2]]
    second = api.get("/v1/leaderboards/top", params={"limit": 2, "cursor": "Mg"}, expect=200)
    assert _shown(second.json()["data"]) == [expected[2]]


def test_a_changed_profile_shows_on_the_board_and_the_player(api: Api) -> None:
    api.publish(DESIGN)
    _did(api, "ada", 30, name="Ada")
    batch = {
        "events": [
            {"type": "did", "player": "ada", "properties": {"n": 1}, "profile": {"avatar_url": ADA}}
        ]
    }
    api.post("/v1/events/batch", params={"wait": "true"}, json=batch, expect=202)
    player = api.get("/v1/players/ada", expect=200).json()
    assert (player["display_name"], player["avatar_url"]) == ("Ada", ADA)  # the name kept
    top = api.get("/v1/leaderboards/top", params={"period": "all"}, expect=200).json()
    assert _shown(top["data"]) == [("ada", "Ada", ADA)]


def test_league_group_members_carry_display_names_and_avatars(api: Api) -> None:
    api.publish(DESIGN)
    _did(api, "ada", 30, name="Ada", avatar_url=ADA)
    _did(api, "bob", 20)
    group = api.get("/v1/players/ada/league", expect=200).json()["group"]
    members = api.get(f"/v1/leagues/bronze/groups/{group}", expect=200).json()["members"]
    assert _shown(members) == [("ada", "Ada", ADA), ("bob", None, None)]


@pytest.mark.parametrize(
    "avatar",
    [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "/avatars/ada.png",
        "https://",
        "x" * 3000,
    ],
)
def test_an_avatar_that_is_not_a_web_address_is_refused_where_it_is(api: Api, avatar: str) -> None:
    api.publish(DESIGN)
    body = {
        "type": "did",
        "player": "ada",
        "properties": {"n": 1},
        "profile": {"avatar_url": avatar},
    }
    refused = api.post("/v1/events", json=body, expect=422).json()
    assert refused["errors"][0]["loc"] == ["profile", "avatar_url"]
    api.get("/v1/players/ada", expect=404)  # nothing was written


def test_an_erased_player_leaves_no_avatar_behind(api: Api) -> None:
    api.publish(DESIGN)
    _did(api, "ada", 30, name="Ada", avatar_url=ADA)
    exported = api.get("/v1/players/ada/export", expect=200).json()
    assert exported["player"]["avatar_url"] == ADA
    api.request("DELETE", "/v1/players/ada", expect=204)
    database = api.client.app.state.questline.database  # type: ignore[attr-defined]
    with database.reader() as session:
        kept = session.scalars(select(Player.avatar_url).where(Player.avatar_url.is_not(None)))
        assert list(kept) == []


def test_a_page_reads_every_name_in_one_query(client: TestClient) -> None:
    api = Api(client)
    api.publish(DESIGN)
    for n in range(40):
        _did(api, f"p{n:02d}", n + 1, name=f"Player {n}")
    engine = client.app.state.questline.database.read_engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = api.get("/v1/leaderboards/top", params={"limit": 40}, expect=200).json()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len({e["display_name"] for e in page["data"]}) == 40
    from_players = [s for s in statements if "display_name" in s]
    assert len(from_players) == 1, from_players
