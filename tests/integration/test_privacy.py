"""A player's data: exported whole on request, and erased without changing any total."""

from __future__ import annotations

from sqlalchemy import func, select

from questline.settings import Settings
from questline.storage.database import Database
from questline.storage.models import Balance, Counter, Event, LedgerEntry, Player
from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
metrics:
  did: {count: did}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def totals(settings: Settings) -> tuple[int, int, int, int, int]:
    database = Database(settings.database_url)
    try:
        with database.reader() as session:
            return (
                session.scalar(select(func.count()).select_from(Player)) or 0,
                session.scalar(select(func.count()).select_from(Event)) or 0,
                session.scalar(select(func.sum(LedgerEntry.amount))) or 0,
                session.scalar(select(func.sum(Balance.balance))) or 0,
                session.scalar(select(func.sum(Counter.value))) or 0,
            )
    finally:
        database.dispose()


def test_an_export_holds_the_profile_events_ledger_and_balances(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "zoe-1", "type": "did", "player": "zoe", "properties": {"n": 4, "note": "hi"}},
        expect=202,
    )
    exported = api.get("/v1/players/zoe/export", expect=200).json()
    assert exported["player"]["id"] == "zoe"
    assert exported["balances"] == {"xp": {"balance": 4, "earned": 4}}
    assert exported["events"][0]["id"] == "zoe-1"
    assert exported["events"][0]["properties"] == {"n": 4, "note": "hi"}
    assert exported["ledger"][0]["amount"] == 4
    assert {"key": "metric:did", "period": "all", "value": 1} in exported["counters"]
    assert api.get("/v1/players/nobody/export").status_code == 404


MECHANICS = """
currencies: {xp: {}}
metrics:
  did: {count: did}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
streaks:
  daily: {when: "metric.did.today >= 1"}
achievements:
  - {id: first, when: "metric.did >= 1"}
"""


def test_an_export_holds_the_players_achievements_and_streaks(api: Api) -> None:
    api.publish(MECHANICS)
    api.event("zoe", "did", n=2)
    exported = api.get("/v1/players/zoe/export", expect=200).json()
    assert [(a["achievement"], a["period"]) for a in exported["achievements"]] == [("first", "all")]
    assert [(s["key"], s["current"], s["longest"]) for s in exported["streaks"]] == [
        ("daily", 1, 1)
    ]
    assert exported["quests"] == []


def test_an_erased_player_leaves_the_leaderboards(api: Api) -> None:
    api.publish(DESIGN + "leaderboards: {top: {rank_by: currency.xp}}\n")
    api.event("zoe", "did", n=9)
    api.event("max", "did", n=5)
    assert api.request("DELETE", "/v1/players/zoe").status_code == 204
    board = api.get("/v1/leaderboards/top", expect=200).json()
    assert [(row["player"], row["rank"]) for row in board["data"]] == [("max", 1)]


def test_a_player_exports_their_own_data_with_their_token(api: Api) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=1)
    token = api.post("/v1/players/zoe/token", expect=200).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/players/zoe/export", headers=headers).status_code == 200
    assert api.client.get("/v1/players/max/export", headers=headers).status_code == 403
    assert api.client.delete("/v1/players/zoe", headers=headers).status_code == 403


def test_erasure_removes_the_person_and_keeps_every_total(api: Api, settings: Settings) -> None:
    api.publish(DESIGN)
    for index, player in enumerate(["zoe", "zoe", "max"]):
        api.post(
            "/v1/events",
            params={"wait": "true"},
            json={
                "id": f"{player}-{index}",
                "type": "did",
                "player": player,
                "properties": {"n": 5, "email": f"{player}@example.com"},
            },
            expect=202,
        )
    before = totals(settings)
    erased = api.request("DELETE", "/v1/players/zoe", params={"reason": "asked by mail"})
    assert erased.status_code == 204
    assert totals(settings) == before
    assert api.get("/v1/players/zoe").status_code == 404
    assert api.get("/v1/events/zoe-0").status_code == 404
    assert api.request("DELETE", "/v1/players/zoe").status_code == 404
    assert api.player("max")["currencies"]["xp"]["balance"] == 5

    database = Database(settings.database_url)
    try:
        with database.reader() as session:
            erased = session.scalars(select(Player).where(Player.erased_at.is_not(None))).one()
            assert erased.external_id.startswith("erased-")
            assert erased.display_name is None
            assert erased.attributes == {}
            events = session.scalars(select(Event).where(Event.player_id == erased.id)).all()
            assert len(events) == 2
            assert all(event.properties == {} for event in events)
            assert all("zoe" not in event.key for event in events)
    finally:
        database.dispose()

    entry = api.get("/v1/audit", expect=200).json()["data"][0]
    assert entry["action"] == "player.erase"
    assert entry["after"] == {"reason": "asked by mail"}
    assert "zoe" not in str(entry)
    # The same id afterwards is somebody new.
    api.event("zoe", "did", n=1)
    assert api.player("zoe")["currencies"]["xp"]["balance"] == 1


def test_a_key_that_sends_events_cannot_erase_players(api: Api) -> None:
    api.event("zoe", "did", n=1)
    writer = api.post("/v1/keys", json={"name": "w", "scopes": ["events:write"]}, expect=201)
    headers = {"Authorization": f"Bearer {writer.json()['secret']}"}
    assert api.client.delete("/v1/players/zoe", headers=headers).status_code == 403
    assert api.client.get("/v1/players/zoe/export", headers=headers).status_code == 403
