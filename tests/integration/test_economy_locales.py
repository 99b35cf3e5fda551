"""The economy names its offers, items and boosts by the one rule every read follows:
`?locale=` where the read takes one, else the player's own locale, else the design's
`default_locale` — in the shop, the inventory, and the explanations and refusals a
purchase writes."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api

DESIGN = """
default_locale: fr
currencies:
  xp: {}
  gems: {spendable: true}
rules:
  - {id: lesson-xp, on: lesson, award: {xp: "10"}}
  - {id: lesson-gems, on: lesson, award: {gems: "50"}}
boosts:
  double-xp:
    name: {en: Double XP, fr: XP double, he: נקודות כפולות}
    multiply: {xp: 2}
    duration_minutes: 15
shop:
  items:
    owl: {name: {en: Golden owl, fr: Hibou doré, he: ינשוף זהב}, max: 1}
  offers:
    - id: owl
      name: {en: Golden owl, fr: Hibou doré, he: ינשוף זהב}
      price: {gems: 10}
      gives: {items: {owl: 1}}
    - id: boost
      name: {en: Double XP, fr: XP double, he: נקודות כפולות}
      price: {gems: 10}
      gives: {boost: double-xp}
"""
HEBREW_OWL = "ינשוף זהב"
HEBREW_BOOST = "נקודות כפולות"


def _lesson(api: Api, player: str, **profile: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "lesson", "player": player}
    if profile:
        body["profile"] = profile
    answer = api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)
    return dict(answer.json())


def _players(api: Api) -> None:
    api.publish(DESIGN)
    _lesson(api, "dov", locale="he-IL")  # a Hebrew speaker
    _lesson(api, "ana")  # no locale of her own


def _offer_names(api: Api, path: str, **params: str) -> list[str]:
    return [o["name"] for o in api.get(path, params=params, expect=200).json()["data"]]


def test_the_shop_names_its_offers_by_the_one_rule(api: Api) -> None:
    _players(api)
    assert _offer_names(api, "/v1/players/dov/shop") == [HEBREW_OWL, HEBREW_BOOST]
    assert _offer_names(api, "/v1/shop", player="dov") == [HEBREW_OWL, HEBREW_BOOST]
    # Without a locale of her own: the design's default, not English.
    assert _offer_names(api, "/v1/players/ana/shop") == ["Hibou doré", "XP double"]
    assert _offer_names(api, "/v1/shop") == ["Hibou doré", "XP double"]
    # Asked for: English, whoever the player.
    assert _offer_names(api, "/v1/players/dov/shop", locale="en") == ["Golden owl", "Double XP"]


def test_a_purchase_explains_itself_and_refuses_in_the_players_language(api: Api) -> None:
    _players(api)
    api.post("/v1/players/dov/purchases", json={"offer": "owl"}, expect=201)
    ledger = api.get("/v1/players/dov/ledger", params={"cause": "purchase"}, expect=200).json()
    assert [e["explanation"] for e in ledger["data"]] == [
        f"purchase of {HEBREW_OWL} ×1 at 10 gems each: -10 gems"
    ]
    # A second owl would be one more than may be held: the refusal names it in Hebrew too,
    # as the shop's answer to "can I buy it?" does.
    refused = api.post("/v1/players/dov/purchases", json={"offer": "owl"}, expect=409).json()
    assert refused["detail"] == f"holds 1 of '{HEBREW_OWL}'; at most 1 can be held"
    shop = api.get("/v1/players/dov/shop", expect=200).json()["data"]
    assert shop[0]["player"]["detail"] == refused["detail"]

    api.post("/v1/players/ana/purchases", json={"offer": "owl", "id": "ana-owl"}, expect=201)
    ledger = api.get("/v1/players/ana/ledger", params={"cause": "purchase"}, expect=200).json()
    assert ledger["data"][0]["explanation"] == "purchase of Hibou doré ×1 at 10 gems each: -10 gems"
    refund = api.post("/v1/purchases/ana-owl/refund", json={"reason": "test"})
    assert refund.status_code == 200, refund.text
    ledger = api.get("/v1/players/ana/ledger", params={"cause": "refund"}, expect=200).json()
    assert ledger["data"][0]["explanation"].startswith("refund of Hibou doré ×1:")


def test_the_inventory_names_items_and_running_boosts_by_the_one_rule(api: Api) -> None:
    _players(api)
    for player in ("dov", "ana"):
        api.post(f"/v1/players/{player}/purchases", json={"offer": "owl"}, expect=201)
        api.post(f"/v1/players/{player}/purchases", json={"offer": "boost"}, expect=201)
    dov = api.get("/v1/players/dov/inventory", expect=200).json()
    assert [i["name"] for i in dov["data"]] == [HEBREW_OWL]
    assert [b["name"] for b in dov["boosts"]] == [HEBREW_BOOST]
    ana = api.get("/v1/players/ana/inventory", expect=200).json()
    assert [i["name"] for i in ana["data"]] == ["Hibou doré"]
    assert [b["name"] for b in ana["boosts"]] == ["XP double"]


def test_an_awards_boost_step_names_the_boost_in_the_designs_default_locale(api: Api) -> None:
    _players(api)
    api.post("/v1/players/dov/purchases", json={"offer": "boost"}, expect=201)
    answer = _lesson(api, "dov")
    # An award is worked out from the event alone, which does not carry the player's
    # locale: its breakdown reads the same in a replay, in the design's default locale.
    xp = next(e for e in answer["effects"] if e.get("currency") == "xp")
    step = next(s for s in xp["breakdown"]["steps"] if s["step"] == "boost")
    assert step["name"] == "XP double"
    assert "XP double boost ×2" in xp["explanation"]
