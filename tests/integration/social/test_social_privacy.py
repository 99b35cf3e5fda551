"""A player's social data goes with their export, and goes away with their erasure."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.social.test_feed import DESIGN, feed
from tests.integration.social.test_follows import put


def befriend_and_cheer(api: Api) -> tuple[int, int]:
    api.publish(DESIGN)
    api.event("ada", "did", n=0)
    api.event("bob", "did", n=0)
    put(api, "/v1/players/ada/following/bob", 201)
    put(api, "/v1/players/bob/following/ada", 201)
    put(api, "/v1/players/ada/blocks/cy", 404)  # cy does not exist
    api.event("ada", "did", n=10)
    api.event("bob", "did", n=10)
    bobs = feed(api, "ada")["data"][0]["id"]
    adas = feed(api, "bob")["data"][0]["id"]
    put(api, f"/v1/players/ada/cheers/{bobs}", 200)
    put(api, f"/v1/players/bob/cheers/{adas}", 200)
    return bobs, adas


def test_the_export_holds_follows_activity_and_cheers(api: Api) -> None:
    bobs, _ = befriend_and_cheer(api)
    social = api.get("/v1/players/ada/export", expect=200).json()["modules"]["social"]
    assert (social["following"], social["followers"], social["private"]) == (
        ["bob"],
        ["bob"],
        False,
    )
    assert [e["kind"] for e in social["activity"]] == ["achievement_unlocked", "level_reached"]
    assert social["cheered"] == [bobs]


def test_erasure_removes_follows_entries_and_cheers(api: Api) -> None:
    bobs, _ = befriend_and_cheer(api)
    api.request("DELETE", "/v1/players/ada", expect=204)
    bob = api.player("bob")
    assert (bob["following"], bob["followers"]) == (0, 0)
    assert feed(api, "bob")["data"] == []  # ada's entries are gone
    own = api.get("/v1/players/bob/activity", expect=200).json()["data"]
    assert all(entry["cheers"] == 0 for entry in own)  # ada's cheer of bob's entry too
    assert any(entry["id"] == bobs for entry in own)
