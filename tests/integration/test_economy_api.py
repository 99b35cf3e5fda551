"""The economy over HTTP, as a host app and a player see it: the shop, purchases and
their refusals, boosts in award breakdowns, the inventory, the wallet and refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from questline.services import inventory
from questline.storage.economy_tables import InventoryItem, PlayerBoost, Purchase
from tests.integration.conftest import Api, default_app_id
from tests.support.economy import SHOP_GAME, assert_ledger_consistent


def _buy(api: Api, player: str, offer: str, expect: int = 201, **body: Any) -> dict[str, Any]:
    answer = api.post(f"/v1/players/{player}/purchases", json={"offer": offer, **body})
    assert answer.status_code == expect, answer.text
    return dict(answer.json())


def _wallet(api: Api, player: str) -> dict[str, Any]:
    return dict(api.get(f"/v1/players/{player}/wallet", expect=200).json()["currencies"])


def _setup(api: Api, gems: int = 30) -> None:
    api.publish(SHOP_GAME)
    api.event("zoe", "lesson", gems=gems)


def test_a_purchase_shows_the_debit_what_it_gave_and_the_balances_after(api: Api) -> None:
    _setup(api)
    bought = _buy(api, "zoe", "hearts", id="buy-1")
    assert bought["id"] == "buy-1"
    assert (bought["status"], bought["duplicate"], bought["refund"]) == ("completed", False, None)
    assert bought["debits"] == [{"currency": "gems", "amount": -10, "balance_after": 20}]
    assert bought["granted"]["currencies"] == [
        {"currency": "hearts", "amount": 5, "balance_after": 5}
    ]
    assert bought["balances"] == {"gems": 20, "hearts": 5}

    wallet = _wallet(api, "zoe")
    assert wallet["gems"] == {
        "name": "Gems",
        "spendable": True,
        "balance": 20,
        "earned": 30,
        "spent": 10,
    }
    assert wallet["hearts"]["balance"] == 5
    assert wallet["hearts"]["earned"] == 0  # bought, not earned
    ledger = api.get("/v1/players/zoe/ledger", params={"cause": "purchase"}, expect=200).json()
    assert [(e["currency"], e["amount"], e["cause_id"]) for e in ledger["data"]] == [
        ("hearts", 5, "buy-1"),
        ("gems", -10, "buy-1"),
    ]
    assert ledger["data"][1]["explanation"] == ("purchase of Hearts ×1 at 10 gems each: -10 gems")
    history = api.get("/v1/players/zoe/purchases", expect=200).json()
    assert [p["id"] for p in history["data"]] == ["buy-1"]
    assert api.get("/v1/purchases/buy-1", expect=200).json() == {**bought, "duplicate": False}


def test_the_same_purchase_id_answers_the_first_purchase_and_buys_nothing_more(api: Api) -> None:
    _setup(api)
    first = _buy(api, "zoe", "boost", id="once")
    again = _buy(api, "zoe", "boost", expect=200, id="once")
    assert again == {**first, "duplicate": True}
    assert _wallet(api, "zoe")["gems"]["balance"] == 20
    other = _buy(api, "zoe", "hearts", expect=409, id="once")
    assert other["code"] == "conflict"
    assert "was used for another purchase" in other["detail"]


def test_each_refusal_says_which_rule_refused_and_writes_nothing(
    api: Api, client: TestClient
) -> None:
    _setup(api, gems=12)
    _buy(api, "zoe", "freeze", expect=409)  # 20 gems, 12 held
    api.event("zoe", "lesson", gems=30)
    _buy(api, "zoe", "freeze", id="f-1")
    ledger_before = api.get("/v1/players/zoe/ledger", expect=200).json()["data"]
    wallet_before = _wallet(api, "zoe")

    refusals = {
        "insufficient_funds": ("potion", {"quantity": 10}),
        "limit_reached": ("freeze", {}),
        "requirement_not_met": ("veteran", {}),
        "not_available": ("retro", {}),
    }
    for code, (offer, body) in refusals.items():
        problem = _buy(api, "zoe", offer, expect=409, **body)
        assert problem["code"] == code, problem
        assert problem["status"] == 409
        assert problem["detail"]
    assert _buy(api, "zoe", "owl", expect=409, quantity=9)["code"] == "sold_out"
    assert _buy(api, "zoe", "owl", expect=201, quantity=1)["offer"] == "owl"
    assert _buy(api, "zoe", "owl", expect=409)["code"] == "limit_reached"  # holds the most

    unknown = _buy(api, "zoe", "unicorn", expect=422)
    assert unknown["errors"][0]["loc"] == ["offer"]
    assert _buy(api, "zoe", "hearts", expect=422, quantity=0)["errors"][0]["loc"] == ["quantity"]
    _buy(api, "nobody", "hearts", expect=404)

    # Only the owl moved anything.
    ledger_after = api.get("/v1/players/zoe/ledger", expect=200).json()["data"]
    assert [e["cause_id"] for e in ledger_after[: len(ledger_after) - len(ledger_before)]] == [
        ledger_after[0]["cause_id"]
    ]
    assert _wallet(api, "zoe")["gems"]["balance"] == wallet_before["gems"]["balance"] - 10
    history = api.get("/v1/players/zoe/purchases", expect=200).json()["data"]
    assert [p["offer"] for p in history] == ["owl", "freeze"]
    assert_ledger_consistent(client.app.state.questline.database, 1)  # type: ignore[attr-defined]


def test_the_shop_shows_each_offer_as_the_player_stands_towards_it(api: Api) -> None:
    _setup(api, gems=15)
    catalog = {o["id"]: o for o in api.get("/v1/shop", expect=200).json()["data"]}
    assert list(catalog)[:3] == ["freeze", "boost", "owl"]
    assert catalog["owl"]["stock_left"] == 8
    assert catalog["owl"]["player"] is None
    assert catalog["retro"]["on_sale"] is False
    assert catalog["freeze"]["limit"] == {"total": None, "per_day": 1, "per_week": None}

    _buy(api, "zoe", "owl")
    mine = {o["id"]: o for o in api.get("/v1/shop?player=zoe", expect=200).json()["data"]}
    assert mine["owl"]["stock_left"] == 7
    assert mine["owl"]["player"]["bought"] == {"total": 1, "today": 1, "this_week": 1}
    assert (mine["owl"]["player"]["can_buy"], mine["owl"]["player"]["refusal"]) == (
        False,
        "limit_reached",  # a player holds at most one owl
    )
    freeze = mine["freeze"]["player"]
    assert (freeze["can_afford"], freeze["can_buy"], freeze["refusal"]) == (
        False,
        False,
        "insufficient_funds",
    )
    assert freeze["limit_left"] == 1
    assert mine["potion"]["player"]["can_buy"] is True  # 5 gems left: just enough
    assert mine["veteran"]["player"]["refusal"] == "requirement_not_met"
    assert mine["retro"]["player"]["refusal"] == "not_available"
    # Names in the player's language, or in the one asked for.
    spanish = api.get("/v1/players/zoe/shop", params={"locale": "es"}, expect=200).json()
    assert [o["name"] for o in spanish["data"]][:3] == ["Streak freeze", "Double XP", "Golden owl"]
    api.get("/v1/shop?player=nobody", expect=404)


def test_a_boost_doubles_the_xp_of_lessons_and_says_so_in_the_breakdown(api: Api) -> None:
    _setup(api)
    bought = _buy(api, "zoe", "boost")
    ends = bought["granted"]["boost"]["ends_at"]
    answer = api.event("zoe", "lesson", xp=10)
    xp = next(e for e in answer["effects"] if e.get("currency") == "xp")
    gems = next(e for e in answer["effects"] if e.get("currency") == "gems")
    assert xp["amount"] == 20
    [step] = xp["breakdown"]["steps"]
    assert (step["step"], step["name"], step["by"], step["result"]) == ("boost", "Double XP", 2, 20)
    until = datetime.fromisoformat(ends).astimezone(UTC).strftime("%H:%M")  # zoe's zone is UTC
    assert xp["explanation"].endswith(f"; Double XP boost ×2, until {until} → 20: +20 xp")
    assert gems["amount"] == 10  # the boost multiplies XP only
    inventory_now = api.get("/v1/players/zoe/inventory", expect=200).json()
    assert [(b["boost"], b["name"], b["multiply"]) for b in inventory_now["boosts"]] == [
        ("double-xp", "Double XP", {"xp": 2})
    ]


def test_items_wait_in_the_inventory_until_used(api: Api) -> None:
    _setup(api)
    _buy(api, "zoe", "potion", quantity=2)
    _buy(api, "zoe", "hints")
    held = {i["item"]: i for i in api.get("/v1/players/zoe/inventory", expect=200).json()["data"]}
    assert held["potion"]["quantity"] == 2
    assert held["potion"]["activates"] == "double-xp"
    assert held["potion"]["expiring"] == 2
    assert held["hint"]["quantity"] == 3
    assert held["hint"]["next_expiry"] is None

    used = api.post("/v1/players/zoe/inventory/potion/use", json={"id": "use-1"}, expect=201).json()
    assert (used["remaining"], used["boost"]["boost"]) == (1, "double-xp")
    again = api.post("/v1/players/zoe/inventory/potion/use", json={"id": "use-1"}, expect=200)
    assert again.json() == {**used, "duplicate": True}
    second = api.post("/v1/players/zoe/inventory/potion/use", expect=201).json()
    # The same boost again queues after the first: 30 minutes of ×2, never ×4.
    assert second["boost"]["starts_at"] == used["boost"]["ends_at"]
    refused = api.post("/v1/players/zoe/inventory/potion/use", expect=409).json()
    assert refused["code"] == "not_held"
    hint = api.post("/v1/players/zoe/inventory/hint/use", json={"quantity": 2}, expect=201)
    assert (hint.json()["remaining"], hint.json()["boost"]) == (1, None)

    _buy(api, "zoe", "owl")
    cosmetic = api.post("/v1/players/zoe/inventory/owl/use", expect=422).json()
    assert cosmetic["errors"][0]["loc"] == ["path", "item"]
    api.post("/v1/players/zoe/inventory/unicorn/use", expect=404)
    after = {i["item"]: i["quantity"] for i in api.get("/v1/players/zoe/inventory").json()["data"]}
    assert after == {"hint": 1, "owl": 1}


def test_items_expire_on_time(api: Api, client: TestClient) -> None:
    _setup(api)
    _buy(api, "zoe", "potion")
    context = client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        app_id = default_app_id(context)
        soon = inventory.inventory(session, context.designs, app_id, "zoe")
        later = datetime.now(UTC) + timedelta(days=7, seconds=1)
        expired = inventory.inventory(session, context.designs, app_id, "zoe", later)
    assert [(i.item, i.quantity) for i in soon.items] == [("potion", 1)]
    assert expired.items == []


def test_a_refund_gives_the_price_back_and_takes_back_what_is_unused(api: Api) -> None:
    _setup(api, gems=40)
    _buy(api, "zoe", "potion", quantity=2, id="p-2")
    freeze = _buy(api, "zoe", "freeze", id="f-1")
    api.post("/v1/players/zoe/inventory/potion/use", expect=201)
    assert _wallet(api, "zoe")["gems"] == {
        "name": "Gems",
        "spendable": True,
        "balance": 10,
        "earned": 40,
        "spent": 30,
    }

    refunded = api.post(
        "/v1/purchases/p-2/refund", json={"reason": "bought by mistake"}, expect=200
    ).json()
    assert refunded["status"] == "refunded"
    refund = refunded["refund"]
    assert refund["returned"] == [{"currency": "gems", "amount": 10, "balance_after": 20}]
    assert refund["taken_back"]["items"] == {"potion": 1}
    assert refund["kept"] == {"items": {"potion": 1}}  # one was used already
    assert refund["reason"] == "bought by mistake"
    again = api.post("/v1/purchases/p-2/refund", expect=200).json()
    assert again["refund"] == refund
    assert _wallet(api, "zoe")["gems"]["balance"] == 20

    streak_before = api.get("/v1/players/zoe/streaks", expect=200).json()["data"][0]["freezes"]
    api.post(f"/v1/purchases/{freeze['id']}/refund", expect=200)
    streaks = api.get("/v1/players/zoe/streaks", expect=200).json()["data"]
    assert (streak_before, streaks[0]["freezes"]) == (1, 0)
    wallet = _wallet(api, "zoe")["gems"]
    assert (wallet["balance"], wallet["spent"]) == (40, 0)
    assert api.get("/v1/players/zoe/inventory").json()["data"] == []
    # The limit no longer counts a refunded purchase.
    _buy(api, "zoe", "freeze")

    ledger = api.get("/v1/players/zoe/ledger", params={"cause": "refund"}, expect=200).json()
    assert [(e["amount"], e["cause_id"]) for e in ledger["data"]] == [(20, "f-1"), (10, "p-2")]
    audit = api.get("/v1/audit", params={"action": "purchase.refund"}, expect=200).json()["data"]
    assert [(a["target_id"], a["after"]["reason"]) for a in audit] == [
        ("f-1", None),
        ("p-2", "bought by mistake"),
    ]
    api.post("/v1/purchases/nothing/refund", expect=404)


def test_a_bought_streak_freeze_covers_a_missed_day(api: Api) -> None:
    api.publish(SHOP_GAME)
    start = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    start -= timedelta(days=3)
    for day, key in ((0, "d0"), (2, "d2")):
        at = (start + timedelta(days=day)).isoformat()
        if day == 2:
            _buy(api, "zoe", "freeze")
        api.post(
            "/v1/events",
            params={"wait": "true"},
            json={
                "id": key,
                "type": "lesson",
                "player": "zoe",
                "time": at,
                "properties": {"gems": 20},
            },
            expect=202,
        )
    [streak] = api.get("/v1/players/zoe/streaks", expect=200).json()["data"]
    assert streak["longest"] == 2  # not broken: the freeze bought covered the day missed
    assert streak["freezes"] == 0
    assert [use["covered"] for use in streak["freezes_used"]] == [
        (start + timedelta(days=1)).date().isoformat()
    ]


def test_a_player_token_buys_and_uses_only_for_itself(api: Api) -> None:
    _setup(api)
    api.event("max", "lesson")
    token = api.post("/v1/players/zoe/token", expect=200).json()["token"]
    as_zoe = {"Authorization": f"Bearer {token}"}
    mine = api.client.post("/v1/players/zoe/purchases", json={"offer": "potion"}, headers=as_zoe)
    assert mine.status_code == 201, mine.text
    assert (
        api.client.post(
            "/v1/players/max/purchases", json={"offer": "potion"}, headers=as_zoe
        ).status_code
        == 403
    )
    assert (
        api.client.post("/v1/players/zoe/inventory/potion/use", headers=as_zoe).status_code == 201
    )
    assert api.client.get("/v1/players/zoe/wallet", headers=as_zoe).status_code == 200
    assert api.client.get("/v1/players/zoe/shop", headers=as_zoe).status_code == 200
    refund = api.client.post(f"/v1/purchases/{mine.json()['id']}/refund", headers=as_zoe)
    assert refund.status_code == 403


def test_erasing_a_player_removes_what_they_bought_and_hold(api: Api, client: TestClient) -> None:
    _setup(api)
    _buy(api, "zoe", "potion", id="zoe-potion")
    _buy(api, "zoe", "boost")
    exported = api.get("/v1/players/zoe/export", expect=200).json()
    assert [p["id"] for p in exported["purchases"]] == [
        "zoe-potion",
        exported["purchases"][1]["id"],
    ]
    assert [i["item"] for i in exported["inventory"]] == ["potion"]
    assert [b["boost"] for b in exported["boosts"]] == ["double-xp"]

    api.request("DELETE", "/v1/players/zoe", expect=204)
    api.get("/v1/purchases/zoe-potion", expect=404)
    context = client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        for table in (Purchase, InventoryItem, PlayerBoost):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    # The numbers stay: the ledger still sums to the balances.
    assert_ledger_consistent(context.database, default_app_id(context))
