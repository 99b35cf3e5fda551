"""Manual grants over HTTP: what a player sees after an administrator gives or takes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.conftest import Api
from tests.support.replay import replay, stored

GAME = """
currencies:
  xp:
    levels: {formula: "floor(total / 100) + 1"}
  gems: {min: 0, max: 100}
metrics:
  lessons: {count: lesson.done}
rules:
  - {id: lesson-xp, on: lesson.done, award: {xp: 10}}
achievements:
  - {id: big-xp, progress: currency.xp, target: 200, rewards: {currencies: {gems: 5}}}
leaderboards:
  xp: {rank_by: currency.xp}
"""


def _grant(api: Api, player: str, expect: int, **body: Any) -> dict[str, Any]:
    return dict(api.post(f"/v1/players/{player}/grants", json=body, expect=expect).json())


def _kinds(answer: dict[str, Any]) -> list[str]:
    return [effect["kind"] for effect in answer["effects"]]


def test_a_grant_moves_balance_level_achievements_and_boards_once(api: Api) -> None:
    api.publish(GAME)
    api.event("ada", "lesson.done")
    api.event("bob", "lesson.done")
    api.event("bob", "lesson.done")
    body = {"id": "support-1", "currency": "xp", "amount": 250, "reason": "lost progress"}
    first = _grant(api, "ada", 201, **body)
    assert first["status"] == "processed"
    assert first["duplicate"] is False
    assert _kinds(first)[:2] == ["currency_awarded", "level_reached"]
    assert "achievement_unlocked" in _kinds(first)
    awarded = first["effects"][0]
    assert (awarded["cause"], awarded["amount"], awarded["balance_after"]) == ("manual", 250, 260)
    assert awarded["breakdown"]["reason"] == "lost progress"

    player = api.player("ada")
    assert player["currencies"]["xp"]["balance"] == 260
    assert player["currencies"]["xp"]["level"]["level"] == 3
    assert player["currencies"]["gems"]["balance"] == 5  # the achievement's reward
    ledger = api.get("/v1/players/ada/ledger", params={"currency": "xp"}, expect=200).json()
    latest = ledger["data"][0]
    assert (latest["cause"], latest["cause_id"], latest["event_id"]) == (
        "manual",
        "key:bootstrap",
        "support-1",
    )
    assert "lost progress" in latest["explanation"]
    board = api.get("/v1/leaderboards/xp", expect=200).json()["data"]
    assert [(row["player"], row["score"]) for row in board] == [("ada", 260), ("bob", 20)]
    audit = api.get("/v1/audit", params={"action": "player.grant"}, expect=200).json()["data"]
    assert [(a["target_id"], a["after"]["amount"]) for a in audit] == [("ada", 250)]

    # Sent again (a retry): the first answer, nothing applied twice.
    again = _grant(api, "ada", 200, **body)
    assert again["duplicate"] is True
    assert again["effects"] == first["effects"]
    assert api.player("ada")["currencies"]["xp"]["balance"] == 260
    assert (
        len(api.get("/v1/audit", params={"action": "player.grant"}, expect=200).json()["data"]) == 1
    )


def test_taking_back_stops_at_the_currency_s_minimum(api: Api) -> None:
    api.publish(GAME)
    api.event("cy", "lesson.done")
    _grant(api, "cy", 201, currency="gems", amount=30, reason="prize")
    taken = _grant(api, "cy", 201, currency="gems", amount=-50, reason="chargeback")
    awarded = taken["effects"][0]
    assert (awarded["amount"], awarded["balance_after"]) == (-30, 0)
    assert awarded["breakdown"]["steps"] == [
        {"step": "bounds", "min": 0, "max": 100, "result": -30}
    ]
    given = _grant(api, "cy", 201, currency="gems", amount=500, reason="too generous")
    assert given["effects"][0]["balance_after"] == 100


def test_bad_grants_say_what_and_where_and_change_nothing(api: Api) -> None:
    api.publish(GAME)
    api.event("di", "lesson.done")
    unknown = api.post(
        "/v1/players/di/grants",
        json={"currency": "coins", "amount": 5, "reason": "x"},
        expect=422,
    ).json()
    assert unknown["errors"][0]["loc"] == ["currency"]
    zero = api.post(
        "/v1/players/di/grants", json={"currency": "xp", "amount": 0, "reason": "x"}, expect=422
    ).json()
    assert zero["errors"][0]["loc"] == ["amount"]
    api.post("/v1/players/di/grants", json={"currency": "xp", "amount": 5}, expect=422)
    api.post(
        "/v1/players/nobody/grants",
        json={"currency": "xp", "amount": 5, "reason": "x"},
        expect=404,
    )
    # Host apps cannot send the grant's own event type.
    sent = api.post(
        "/v1/events",
        json={"type": "questline.grant", "player": "di", "properties": {"currency": "xp"}},
        expect=422,
    ).json()
    assert sent["errors"][0]["loc"][-1] == "type"
    assert api.player("di")["currencies"]["xp"]["balance"] == 10


def test_replaying_the_log_reproduces_grants(api: Api, client: TestClient) -> None:
    api.publish(GAME)
    for player in ("ada", "bob"):
        api.event(player, "lesson.done")
    _grant(api, "ada", 201, currency="xp", amount=190, reason="bonus")
    _grant(api, "bob", 201, currency="gems", amount=7, reason="prize")
    _grant(api, "bob", 201, currency="gems", amount=-3, reason="correction")
    database = client.app.state.questline.database  # type: ignore[attr-defined]
    expected, actual = replay(database, 1), stored(database, 1)
    assert actual.balances == expected.balances
    assert actual.balances[("ada", "xp")] == 200
    assert actual.balances[("ada", "gems")] == 5
    assert actual.balances[("bob", "gems")] == 4
