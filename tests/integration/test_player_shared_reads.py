"""What a player's own client sees of the others: every leaderboard as it is, and the
league group its player is in — with a player token, never an API key."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
leaderboards:
  top: {name: Top XP, rank_by: currency.xp}
leagues:
  rank_by: currency.xp
  group_size: 2
  tiers:
    - {name: bronze, promote: 1, demote: 0}
    - {name: silver, promote: 0, demote: 1}
"""


def token_for(api: Api, player: str) -> str:
    return str(api.post(f"/v1/players/{player}/token", expect=200).json()["token"])


def as_player(client: TestClient, token: str, path: str, **params: Any) -> Any:
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def _game(api: Api) -> None:
    api.publish(DESIGN)
    # Groups of two fill in the order the players first earn: (ana, bob), (cyd, dan).
    for player, n in (("ana", 30), ("bob", 20), ("cyd", 40), ("dan", 10)):
        api.event(player, "did", n=n)


def test_a_player_token_reads_the_top_a_page_and_around_itself(
    api: Api, client: TestClient
) -> None:
    _game(api)
    bob = token_for(api, "bob")
    top = as_player(client, bob, "/v1/leaderboards/top")
    assert top.status_code == 200, top.text
    assert [(e["player"], e["score"], e["rank"]) for e in top.json()["data"]] == [
        ("cyd", 40, 1),
        ("ana", 30, 2),
        ("bob", 20, 3),
        ("dan", 10, 4),
    ]
    first = as_player(client, bob, "/v1/leaderboards/top", limit=2)
    assert [e["player"] for e in first.json()["data"]] == ["cyd", "ana"]
    cursor = first.json()["next_cursor"]
    second = as_player(client, bob, "/v1/leaderboards/top", limit=2, cursor=cursor)
    assert second.status_code == 200
    assert [e["player"] for e in second.json()["data"]] == ["bob", "dan"]
    around = as_player(client, bob, "/v1/leaderboards/top", around="bob", radius=1)
    assert around.status_code == 200
    assert [e["player"] for e in around.json()["data"]] == ["ana", "bob", "dan"]
    assert as_player(client, bob, "/v1/leaderboards/top/runs").status_code == 200
    assert as_player(client, bob, "/v1/leaderboards/top/runs/all").status_code == 200


def test_a_board_shows_a_player_token_nothing_private_of_the_others(
    api: Api, client: TestClient
) -> None:
    _game(api)
    page = as_player(client, token_for(api, "bob"), "/v1/leaderboards/top").json()
    for entry in page["data"]:
        assert set(entry) == {"player", "display_name", "avatar_url", "score", "rank", "position"}


def test_a_player_token_reads_its_own_league_group_and_no_other(
    api: Api, client: TestClient
) -> None:
    _game(api)
    bob = token_for(api, "bob")
    own = api.get("/v1/players/bob/league", expect=200).json()["group"]
    other = api.get("/v1/players/cyd/league", expect=200).json()["group"]
    assert own != other
    mine = as_player(client, bob, f"/v1/leagues/bronze/groups/{own}")
    assert mine.status_code == 200, mine.text
    assert [(m["player"], m["score"], m["rank"]) for m in mine.json()["members"]] == [
        ("ana", 30, 1),
        ("bob", 20, 2),
    ]
    theirs = as_player(client, bob, f"/v1/leagues/bronze/groups/{other}")
    assert theirs.status_code == 403
    assert theirs.headers["content-type"] == "application/problem+json"
    assert "cyd" not in theirs.text
    assert "league group" in theirs.json()["detail"]
    # An API key that reads players still reads every group.
    api.get(f"/v1/leagues/bronze/groups/{other}", expect=200)


def test_a_player_token_ranks_only_its_own_circle(api: Api, client: TestClient) -> None:
    api.publish(DESIGN + "modules: [social]\n")
    for player, n in (("ana", 30), ("bob", 20)):
        api.event(player, "did", n=n)
    api.request("PUT", "/v1/players/ana/following/bob", expect=201)
    bob = token_for(api, "bob")
    own = as_player(client, bob, "/v1/leaderboards/top", among="following", player="bob")
    assert own.status_code == 200, own.text
    others = as_player(client, bob, "/v1/leaderboards/top", among="following", player="ana")
    assert others.status_code == 403
    assert "own circle" in others.json()["detail"]
