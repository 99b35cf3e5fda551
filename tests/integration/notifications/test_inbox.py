"""A player's inbox: effects become notifications worded by the design (or the
defaults) in the player's locale; the player's client reads and marks its own."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from questline.errors import InvalidInput
from questline.notifications.service import notify
from questline.storage.players import get_player
from tests.integration.conftest import Api, default_app_id

DESIGN = """
currencies:
  xp: {name: XP, levels: {thresholds: [0, 100, 400]}}
rules:
  - {id: practice, name: Practice, on: did, award: {xp: "event.n"}}
achievements:
  - {id: first, name: {en: First steps, fr: Premiers pas}, when: "currency.xp >= 1"}
"""


def as_player(client: TestClient, api: Api, player: str) -> dict[str, str]:
    token = api.post(f"/v1/players/{player}/token", expect=200).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def inbox(api: Api, player: str, **params: Any) -> dict[str, Any]:
    return dict(api.get(f"/v1/players/{player}/notifications", params=params, expect=200).json())


def test_effects_become_notifications_newest_first_with_their_event(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "e1", "type": "did", "player": "zoe", "properties": {"n": 120}},
        expect=202,
    )
    found = inbox(api, "zoe")["data"]
    assert [(n["kind"], n["title"]) for n in found] == [
        ("achievement_unlocked", "Badge unlocked: First steps"),
        ("level_reached", "Level 2!"),
        ("currency_awarded", "+120 XP"),
    ]
    assert all(n["event_id"] == "e1" and n["read_at"] is None for n in found)
    assert found[2]["body"] == "Practice"
    assert found[1]["data"] == {
        "kind": "level_reached",
        "currency": "xp",
        "level": 2,
        "previous_level": 1,
    }
    assert found[0]["id"] > found[1]["id"] > found[2]["id"]
    assert api.player("zoe")["unread_notifications"] == 3


def test_messages_are_in_the_players_locale(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={
            "type": "did",
            "player": "léa",
            "properties": {"n": 150},
            "profile": {"locale": "fr-CA"},
        },
        expect=202,
    )
    titles = [n["title"] for n in inbox(api, "léa")["data"]]
    assert titles == ["Badge débloqué : Premiers pas", "Niveau 2 !", "+150 XP"]


def test_the_design_rewords_silences_and_adds_notifications(api: Api) -> None:
    api.publish(
        DESIGN
        + """
notifications:
  effects:
    currency_awarded: {notify: false}
    level_reached:
      title: {en: "Up to {level}, {player}!", fr: "Niveau {level}, {player} !"}
      body: ""
    rule_fired: {notify: true, title: "{rule_name} done"}
"""
    )
    api.event("zoe", "did", n=100)
    found = inbox(api, "zoe")["data"]
    assert [(n["kind"], n["title"], n["body"]) for n in found] == [
        ("achievement_unlocked", "Badge unlocked: First steps", ""),
        ("level_reached", "Up to 2, zoe!", ""),
        ("rule_fired", "Practice done", ""),
    ]


def test_a_design_can_turn_notifications_off(api: Api) -> None:
    api.publish(DESIGN + "notifications: {enabled: false}\n")
    api.event("zoe", "did", n=100)
    assert inbox(api, "zoe")["data"] == []
    assert api.player("zoe")["unread_notifications"] == 0


def test_bad_templates_are_refused_at_publish_with_their_location(api: Api) -> None:
    response = api.request(
        "PUT",
        "/v1/config",
        content=(
            DESIGN
            + """
notifications:
  effects:
    level_reached: {title: {en: "Level {lvl}!"}}
    currency_awarded: {body: "{amount"}
    confetti: {notify: true}
"""
        ).encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert response.status_code == 422, response.text
    errors = {tuple(e["loc"]): e["message"] for e in response.json()["errors"]}
    assert (
        "unknown field {lvl} for level_reached"
        in errors[("notifications", "effects", "level_reached", "title", "en")]
    )
    assert "never closed" in errors[("notifications", "effects", "currency_awarded", "body")]
    assert "unknown effect kind 'confetti'" in errors[("notifications", "effects", "confetti")]
    assert api.get("/v1/config").status_code == 404  # nothing was published


def test_pages_go_back_in_time_and_unread_filters(api: Api) -> None:
    api.publish("currencies: {xp: {}}\nrules: [{id: r, on: did, award: {xp: '1'}}]\n")
    for _ in range(5):
        api.event("zoe", "did")
    first = inbox(api, "zoe", limit=2)
    second = inbox(api, "zoe", limit=2, cursor=first["next_cursor"])
    third = inbox(api, "zoe", limit=2, cursor=second["next_cursor"])
    ids = [n["id"] for page in (first, second, third) for n in page["data"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 5
    assert third["next_cursor"] is None

    marked = api.post(
        "/v1/players/zoe/notifications/read", json={"ids": ids[:2]}, expect=200
    ).json()
    assert marked == {"marked": 2, "unread": 3}
    assert [n["id"] for n in inbox(api, "zoe", unread="true")["data"]] == ids[2:]
    # "all up to" marks the rest; marking again changes nothing.
    assert api.post(
        "/v1/players/zoe/notifications/read", json={"up_to": ids[0]}, expect=200
    ).json() == {"marked": 3, "unread": 0}
    assert api.post(
        "/v1/players/zoe/notifications/read", json={"up_to": ids[0]}, expect=200
    ).json() == {"marked": 0, "unread": 0}
    assert all(n["read_at"] is not None for n in inbox(api, "zoe")["data"])


def test_marking_needs_exactly_one_of_ids_or_up_to(api: Api) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=1)
    both = api.post("/v1/players/zoe/notifications/read", json={"ids": [1], "up_to": 1})
    assert both.status_code == 422
    neither = api.post("/v1/players/zoe/notifications/read", json={})
    assert neither.status_code == 422
    assert api.post("/v1/players/nobody/notifications/read", json={"up_to": 1}).status_code == 404


def test_a_player_token_reads_and_marks_its_own_inbox_only(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=5)
    api.event("max", "did", n=5)
    zoe = as_player(client, api, "zoe")
    own = client.get("/v1/players/zoe/notifications", headers=zoe)
    assert own.status_code == 200
    assert len(own.json()["data"]) == 2
    marked = client.post("/v1/players/zoe/notifications/read", json={"up_to": 10**9}, headers=zoe)
    assert marked.json() == {"marked": 2, "unread": 0}
    assert client.get("/v1/players/max/notifications", headers=zoe).status_code == 403
    refused = client.post("/v1/players/max/notifications/read", json={"up_to": 1}, headers=zoe)
    assert refused.status_code == 403
    assert api.player("max")["unread_notifications"] == 2


def test_devices_are_registered_replaced_and_forgotten(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=1)
    zoe = as_player(client, api, "zoe")
    path = "/v1/players/zoe/devices/phone-1"
    created = client.put(path, json={"platform": "ios", "token": "apns-1"}, headers=zoe)
    assert created.status_code == 201, created.text
    replaced = client.put(path, json={"platform": "ios", "token": "apns-2"}, headers=zoe)
    assert replaced.status_code == 200
    assert replaced.json()["device_id"] == "phone-1"
    assert "token" not in replaced.json()
    bad = client.put(path, json={"platform": "iOS 17", "token": ""}, headers=zoe)
    assert bad.status_code == 422
    other = client.put(
        "/v1/players/max/devices/x", json={"platform": "web", "token": "t"}, headers=zoe
    )
    assert other.status_code == 403
    assert client.delete(path, headers=zoe).status_code == 204
    assert client.delete(path, headers=zoe).status_code == 404


def test_erasing_a_player_removes_their_notifications_and_devices(api: Api) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=5)
    api.request("PUT", "/v1/players/zoe/devices/d1", json={"platform": "web", "token": "t"})
    exported = api.get("/v1/players/zoe/export", expect=200).json()["modules"]["notifications"]
    assert [n["kind"] for n in exported["notifications"]] == [
        "currency_awarded",
        "achievement_unlocked",
    ]
    assert exported["devices"][0]["device_id"] == "d1"

    api.request("DELETE", "/v1/players/zoe", expect=204)
    api.event("zoe", "did", n=5)  # the same id is a new player now
    assert [n["kind"] for n in inbox(api, "zoe")["data"]] == [
        "achievement_unlocked",
        "currency_awarded",
    ]
    audit = api.get("/v1/audit", expect=200).json()["data"]
    pseudonym = next(e["target_id"] for e in audit if e["action"] == "player.erase")
    assert (
        api.get(f"/v1/players/{pseudonym}/export", expect=200).json()["modules"]["notifications"][
            "notifications"
        ]
        == []
    )


def test_another_module_notifies_a_player_in_its_own_transaction(
    api: Api, client: TestClient
) -> None:
    """What a social module does for a cheer: one call, in its transaction, worded in the
    player's locale; the same key twice notifies once."""
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"type": "did", "player": "léa", "properties": {"n": 1}, "profile": {"locale": "fr"}},
        expect=202,
    )
    context: Any = client.app.state.questline  # type: ignore[attr-defined]
    outlets = context.modules["notifications"].outlets
    with context.database.reader() as session:
        player = get_player(session, default_app_id(context), "léa")
        assert player is not None
        player_id = player.id
    for _ in range(2):
        with context.database.transaction() as session:
            notify(
                session,
                outlets,
                player_id=player_id,
                kind="social.cheer",
                title={"en": "Max cheered you on", "fr": "Max vous encourage"},
                data={"from": "max"},
                push=True,
                dedupe_key="cheer:max:1",
            )
    cheers = [n for n in inbox(api, "léa")["data"] if n["kind"] == "social.cheer"]
    assert [(n["title"], n["data"], n["push"], n["event_id"]) for n in cheers] == [
        ("Max vous encourage", {"from": "max"}, True, None)
    ]
    with context.database.transaction() as session, pytest.raises(InvalidInput):
        notify(session, outlets, player_id=player_id, kind="Not A Kind", title="x")
