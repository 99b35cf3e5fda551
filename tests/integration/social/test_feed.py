"""The activity feed: public effects become entries of the players' activity, read by
their followers newest first in the reader's words, and cheered."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from questline.social import store
from questline.storage.players import find_player
from tests.integration.conftest import Api, default_app_id
from tests.integration.social.test_follows import as_player, put

DESIGN = """
modules: [social]
currencies:
  xp: {name: XP, levels: {thresholds: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]}}
rules:
  - {id: practice, on: did, award: {xp: "event.n"}}
achievements:
  - {id: first, name: {en: First steps, fr: Premiers pas}, when: "currency.xp >= 1"}
"""


def feed(api: Api, player: str, **params: Any) -> dict[str, Any]:
    return dict(api.get(f"/v1/players/{player}/feed", params=params, expect=200).json())


def messages(page: dict[str, Any]) -> list[str]:
    return [entry["message"] for entry in page["data"]]


def test_followers_read_public_effects_newest_first(api: Api) -> None:
    api.publish(DESIGN)
    for name in ("ada", "bob", "cy"):
        api.event(name, "did", n=0)
    put(api, "/v1/players/ada/following/bob", 201)
    api.event("bob", "did", n=10)  # level 2 and the badge
    api.event("cy", "did", n=10)  # not followed: not in ada's feed
    page = feed(api, "ada")
    assert messages(page) == ["bob unlocked First steps", "bob reached level 2 in XP"]
    assert page["locale"] == "en"
    assert page["next_cursor"] is None
    first = page["data"][1]
    assert first["kind"] == "level_reached"
    assert first["player"] == "bob"
    assert first["data"] == {"currency": "xp", "level": 2, "previous_level": 1}
    assert (first["cheers"], first["cheered"]) == (0, False)
    assert feed(api, "bob")["data"] == []  # bob follows no one
    own = api.get("/v1/players/bob/activity", expect=200).json()
    assert [e["kind"] for e in own["data"]] == ["achievement_unlocked", "level_reached"]


def test_entries_are_worded_in_the_readers_locale_or_the_asked_one(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"type": "did", "player": "léa", "properties": {"n": 0}, "profile": {"locale": "fr"}},
        expect=202,
    )
    api.event("bob", "did", n=0)
    put(api, "/v1/players/léa/following/bob", 201)
    api.event("bob", "did", n=10)
    page = feed(api, "léa")
    assert page["locale"] == "fr"
    assert messages(page) == ["bob a débloqué Premiers pas", "bob a atteint le niveau 2 en XP"]
    assert feed(api, "léa", locale="de")["data"][1]["message"] == "bob hat Stufe 2 in XP erreicht"
    api.get("/v1/players/léa/feed", params={"locale": "not a locale"}, expect=422)


def test_the_design_rewords_silences_and_defaults_the_locale(api: Api) -> None:
    api.publish(
        DESIGN
        + """
activity:
  default_locale: fr
  effects:
    level_reached: {message: {en: "{player} is now level {level}", fr: "{player} : niveau {level}"}}
    achievement_unlocked: {public: false}
"""
    )
    api.event("ada", "did", n=0)
    api.event("bob", "did", n=0)
    put(api, "/v1/players/ada/following/bob", 201)
    api.event("bob", "did", n=25)
    assert messages(feed(api, "ada")) == ["bob : niveau 3"]  # ada has no locale: the design's
    assert messages(feed(api, "ada", locale="en-GB")) == ["bob is now level 3"]


def test_a_bad_template_is_refused_at_publish_saying_where(api: Api) -> None:
    bad = (
        DESIGN
        + """
activity:
  effects:
    level_reached: {message: {en: "{player} reached {nothing}"}}
    streak_extended: {message: "{current"}
    currency_awarded: {public: true}
"""
    )
    response = api.request(
        "PUT",
        "/v1/config",
        content=bad.encode(),
        headers={"Content-Type": "application/yaml"},
        expect=422,
    )
    errors = {tuple(e["loc"]): e["message"] for e in response.json()["errors"]}
    assert (
        "unknown field {nothing}"
        in errors[("activity", "effects", "level_reached", "message", "en")]
    )
    assert "never closed" in errors[("activity", "effects", "streak_extended", "message")]
    assert "cannot be public" in errors[("activity", "effects", "currency_awarded")]


def test_paging_is_stable_while_new_entries_arrive(api: Api) -> None:
    api.publish(DESIGN)
    api.event("ada", "did", n=0)
    api.event("bob", "did", n=0)
    put(api, "/v1/players/ada/following/bob", 201)
    for _ in range(5):
        api.event("bob", "did", n=10)  # a level each
    seen: list[int] = []
    page = feed(api, "ada", limit=2)
    seen += [e["id"] for e in page["data"]]
    api.event("bob", "did", n=10)  # arrives between pages: on top, not in the next page
    while page["next_cursor"]:
        page = feed(api, "ada", limit=2, cursor=page["next_cursor"])
        seen += [e["id"] for e in page["data"]]
    assert len(seen) == len(set(seen)) == 6  # five levels and the badge
    assert seen == sorted(seen, reverse=True)
    assert len(feed(api, "ada", limit=100)["data"]) == 7


def test_private_and_blocked_players_are_not_in_the_feed(api: Api) -> None:
    api.publish(DESIGN)
    for name in ("ada", "bob", "cy"):
        api.event(name, "did", n=0)
    put(api, "/v1/players/ada/following/bob", 201)
    put(api, "/v1/players/ada/following/cy", 201)
    api.event("bob", "did", n=10)
    api.event("cy", "did", n=10)
    assert {e["player"] for e in feed(api, "ada")["data"]} == {"bob", "cy"}
    put(api, "/v1/players/bob/profile", 200, json={"private": True})
    put(api, "/v1/players/cy/blocks/ada", 201)
    assert feed(api, "ada")["data"] == []
    api.get("/v1/players/bob/activity", params={"viewer": "ada"}, expect=403)
    api.get("/v1/players/cy/activity", params={"viewer": "ada"}, expect=403)
    assert len(api.get("/v1/players/bob/activity", params={"viewer": "bob"}).json()["data"]) == 2
    put(api, "/v1/players/bob/profile", 200, json={"private": False})
    assert {e["player"] for e in feed(api, "ada")["data"]} == {"bob"}


def test_a_cheer_counts_once_and_tells_the_cheered_player(api: Api) -> None:
    api.publish(DESIGN)
    api.event("ada", "did", n=0)
    api.event("bob", "did", n=0)
    put(api, "/v1/players/ada/following/bob", 201)
    api.event("bob", "did", n=10)
    entry = feed(api, "ada")["data"][0]["id"]
    assert put(api, f"/v1/players/ada/cheers/{entry}", 200).json() == {
        "entry_id": entry,
        "cheers": 1,
        "cheered": True,
    }
    assert put(api, f"/v1/players/ada/cheers/{entry}", 200).json()["cheers"] == 1
    top = feed(api, "ada")["data"][0]
    assert (top["cheers"], top["cheered"]) == (1, True)
    inbox = api.get("/v1/players/bob/notifications", expect=200).json()["data"]
    assert [(n["kind"], n["title"]) for n in inbox if n["kind"] == "cheer"] == [
        ("cheer", "ada cheered you on")
    ]
    undone = api.request("DELETE", f"/v1/players/ada/cheers/{entry}", expect=200).json()
    assert undone == {"entry_id": entry, "cheers": 0, "cheered": False}
    put(api, f"/v1/players/ada/cheers/{entry}", 200)  # cheered again: told only once
    inbox = api.get("/v1/players/bob/notifications", expect=200).json()["data"]
    assert sum(n["kind"] == "cheer" for n in inbox) == 1
    put(api, f"/v1/players/bob/cheers/{entry}", 422)  # one's own entry
    put(api, "/v1/players/ada/cheers/999999", 404)


def test_a_player_token_reads_only_its_own_feed(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    api.event("ada", "did", n=0)
    api.event("bob", "did", n=0)
    ada = as_player(api, "ada")
    assert client.get("/v1/players/ada/feed", headers=ada).status_code == 200
    assert client.get("/v1/players/bob/feed", headers=ada).status_code == 403
    assert client.get("/v1/players/bob/activity", headers=ada).status_code == 403


def test_an_app_without_the_module_has_no_social_api_and_keeps_no_entries(api: Api) -> None:
    api.publish(DESIGN.replace("modules: [social]\n", ""))
    api.event("ada", "did", n=0)
    api.event("bob", "did", n=10)  # a level and a badge, under a design without the module
    answer = api.request("PUT", "/v1/players/ada/following/bob", expect=404).json()
    assert answer["code"] == "module_not_enabled"
    api.publish(DESIGN)
    assert api.get("/v1/players/bob/activity", expect=200).json()["data"] == []


def test_both_plans_of_the_feed_read_the_same_page(api: Api) -> None:
    """A reader who follows many players is served by walking entries by id, one who
    follows few by each player's newest: the same entries either way."""
    api.publish(DESIGN)
    for name in ("ada", "bob", "cy", "dee"):
        api.event(name, "did", n=0)
    for other in ("bob", "cy"):
        put(api, f"/v1/players/ada/following/{other}", 201)
    for name in ("bob", "cy", "dee", "bob", "cy"):
        api.event(name, "did", n=10)
    put(api, "/v1/players/cy/profile", 200, json={"private": True})
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        ada = find_player(session, default_app_id(context), "ada").id
        few, many = (
            [
                (e.id, e.player)
                for e in store.feed_page(
                    session, store.Reader(ada, None, count), before=None, limit=3
                )[0]
            ]
            for count in (1, store.SCAN_ABOVE + 1)
        )
    assert few == many
    assert [player for _, player in few] == ["bob", "bob", "bob"]
