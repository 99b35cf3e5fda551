"""The language blueprint's economy, as the README's first session walks through it: lessons
earn gems, the shop says what the player can buy, a double-XP boost doubles the next
lesson's XP, and the wallet shows what was earned and spent."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api


def _shop(api: Api, player: str, **params: Any) -> dict[str, dict[str, Any]]:
    answer = api.get(f"/v1/players/{player}/shop", params=params, expect=200).json()
    return {offer["id"]: offer for offer in answer["data"]}


def test_a_first_lesson_pays_for_a_double_xp_boost_that_doubles_the_next(api: Api) -> None:
    api.publish_blueprint("language")
    first = api.event("zoe", "lesson.completed", first_pass=True)
    gems = [e["amount"] for e in first["effects"] if e.get("currency") == "gems"]
    assert sorted(gems) == [5, 10]  # the first pass's, and the first-lesson achievement's

    shop = _shop(api, "zoe")
    standing = {offer: shop[offer]["player"]["refusal"] for offer in shop}
    assert standing == {
        "streak-freeze": "insufficient_funds",  # 50 gems
        "double-xp": None,  # 15 gems: zoe has 15
        "xp-potion": "insufficient_funds",  # 25 gems
        "golden-owl": "requirement_not_met",  # after 10 lessons
    }
    spanish = _shop(api, "zoe", locale="es")
    assert spanish["streak-freeze"]["name"] == "Protector de racha"
    assert spanish["golden-owl"]["name"] == "Búho dorado"

    bought = api.post(
        "/v1/players/zoe/purchases", json={"offer": "double-xp", "id": "buy-1"}, expect=201
    ).json()
    assert bought["debits"] == [{"currency": "gems", "amount": -15, "balance_after": 0}]
    assert bought["granted"]["boost"]["multiply"] == {"xp": 2}

    second = api.event("zoe", "lesson.completed", xp=12)
    xp = next(e for e in second["effects"] if e.get("currency") == "xp")
    assert xp["amount"] == 24
    assert "Double XP boost ×2, until" in xp["explanation"]
    wallet = api.get("/v1/players/zoe/wallet", expect=200).json()["currencies"]
    assert {k: wallet["gems"][k] for k in ("balance", "earned", "spent")} == {
        "balance": 0,
        "earned": 15,
        "spent": 15,
    }
