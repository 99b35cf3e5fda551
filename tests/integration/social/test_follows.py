"""Follows, blocks and private profiles: who follows whom, the lists and counts a player
sees, and what a block or a private profile takes away."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.conftest import Api

DESIGN = """
modules: [social]
currencies:
  xp: {name: XP}
rules:
  - {id: practice, on: did, award: {xp: "1"}}
"""


def players(api: Api, *names: str) -> None:
    api.publish(DESIGN)
    for name in names:
        api.event(name, "did")


def put(api: Api, path: str, expect: int, **kwargs: Any) -> Any:
    return api.request("PUT", path, expect=expect, **kwargs)


def listed(api: Api, path: str, **params: Any) -> list[str]:
    return [x["player"] for x in api.get(path, params=params, expect=200).json()["data"]]


def as_player(api: Api, player: str) -> dict[str, str]:
    token = api.post(f"/v1/players/{player}/token", expect=200).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_following_is_one_way_and_counted_on_the_player(api: Api) -> None:
    players(api, "ada", "bob", "cy")
    first = put(api, "/v1/players/ada/following/bob", 201).json()
    assert first == {"player": "ada", "other": "bob", "active": True}
    put(api, "/v1/players/ada/following/bob", 200)  # again: nothing new
    put(api, "/v1/players/ada/following/cy", 201)
    put(api, "/v1/players/cy/following/ada", 201)
    assert listed(api, "/v1/players/ada/following") == ["cy", "bob"]  # newest first
    assert listed(api, "/v1/players/ada/followers") == ["cy"]
    assert listed(api, "/v1/players/bob/following") == []
    ada = api.player("ada")
    assert (ada["following"], ada["followers"], ada["private_profile"]) == (2, 1, False)
    api.request("DELETE", "/v1/players/ada/following/bob", expect=204)
    api.request("DELETE", "/v1/players/ada/following/bob", expect=204)
    assert listed(api, "/v1/players/ada/following") == ["cy"]
    assert api.player("bob")["followers"] == 0


def test_lists_page_with_a_cursor_without_gaps_or_repeats(api: Api) -> None:
    names = [f"p{i}" for i in range(7)]
    players(api, "ada", *names)
    for name in names:
        put(api, f"/v1/players/ada/following/{name}", 201)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/players/ada/following", params=params, expect=200).json()
        seen += [x["player"] for x in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(names))


def test_one_cannot_follow_oneself_or_someone_unknown(api: Api) -> None:
    players(api, "ada")
    problem = put(api, "/v1/players/ada/following/ada", 422).json()
    assert problem["errors"][0]["loc"] == ["path", "other_id"]
    put(api, "/v1/players/ada/following/nobody", 404)
    put(api, "/v1/players/nobody/following/ada", 404)


def test_a_block_ends_the_follows_both_ways_and_refuses_new_ones(api: Api) -> None:
    players(api, "ada", "bob")
    put(api, "/v1/players/ada/following/bob", 201)
    put(api, "/v1/players/bob/following/ada", 201)
    put(api, "/v1/players/bob/blocks/ada", 201)
    put(api, "/v1/players/bob/blocks/ada", 200)
    assert listed(api, "/v1/players/ada/following") == []
    assert listed(api, "/v1/players/bob/following") == []
    assert listed(api, "/v1/players/bob/blocks") == ["ada"]
    assert put(api, "/v1/players/ada/following/bob", 409).json()["code"] == "blocked"
    assert put(api, "/v1/players/bob/following/ada", 409).json()["code"] == "blocked"
    api.request("DELETE", "/v1/players/bob/blocks/ada", expect=204)
    put(api, "/v1/players/ada/following/bob", 201)


def test_a_profile_is_made_private_and_public_again(api: Api) -> None:
    players(api, "ada")
    answer = put(api, "/v1/players/ada/profile", 200, json={"private": True}).json()
    assert answer == {"player": "ada", "private": True, "following": 0, "followers": 0}
    assert api.player("ada")["private_profile"] is True
    put(api, "/v1/players/ada/profile", 200, json={"private": False})
    assert api.player("ada")["private_profile"] is False
    put(api, "/v1/players/ada/profile", 422, json={"private": "yes"})


def test_a_player_token_follows_and_reads_as_itself_only(api: Api, client: TestClient) -> None:
    players(api, "ada", "bob")
    ada = as_player(api, "ada")
    assert client.put("/v1/players/ada/following/bob", headers=ada).status_code == 201
    assert client.put("/v1/players/bob/following/ada", headers=ada).status_code == 403
    assert client.get("/v1/players/ada/following", headers=ada).status_code == 200
    assert client.get("/v1/players/bob/followers", headers=ada).status_code == 403
