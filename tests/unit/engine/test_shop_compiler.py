"""The economy's part of a design: what a designer gets wrong is found at publish time,
with its location, and a correct shop compiles to offers, items and boosts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from questline.engine.compiler import DesignError, compile_design
from questline.yamlfile import load_yaml

VALID = """
currencies:
  xp: {levels: {thresholds: [0, 100]}}
  gems: {spendable: true}
  hearts: {max: 5}
streaks:
  daily: {when: "true", freezes: {max: 2}}
boosts:
  double-xp: {name: Double XP, multiply: {xp: 2}, duration_minutes: 15}
  nudge: {multiply: {xp: 1.15}, duration_minutes: 60}
shop:
  items:
    owl: {name: {en: Golden owl, es: Búho dorado}, max: 1}
    potion: {activates: double-xp, expires_after: 7d}
  offers:
    - id: freeze
      price: {gems: 200}
      gives: {streak_freezes: {daily: 1}}
      requires: "level.xp >= 2"
      limit: {per_day: 1}
    - {id: owl, price: {gems: 500}, gives: {items: {owl: 1}}, stock: 100}
    - {id: refill, price: {gems: 50}, gives: {currencies: {hearts: 5}}}
    - {id: gift, gives: {boost: nudge}}
"""


def _issues(text: str) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(DesignError) as raised:
        compile_design(load_yaml(text))
    return [(tuple(issue.loc), issue.message) for issue in raised.value.issues]


def test_a_shop_compiles_to_its_offers_items_and_boosts() -> None:
    design = compile_design(load_yaml(VALID), 4)
    assert [offer.id for offer in design.shop.offers] == ["freeze", "owl", "refill", "gift"]
    freeze = design.shop.offer("freeze")
    assert freeze is not None
    assert freeze.requires is not None
    assert freeze.requires.source == "level.xp >= 2"
    assert design.shop.offer("nothing") is None
    assert design.boosts["nudge"].multiply == {"xp": Decimal("1.15")}  # exact, not a float
    assert design.shop.items["potion"].usable
    assert design.shop.items["potion"].expires_after_seconds == 7 * 86400
    assert not design.shop.items["owl"].usable


def test_prices_must_be_in_declared_spendable_currencies() -> None:
    issues = _issues("""
currencies: {xp: {}, gems: {spendable: true}}
boosts: {b: {multiply: {xp: 2}, duration_minutes: 5}}
shop:
  offers:
    - {id: a, price: {xp: 10}, gives: {boost: b}}
    - {id: b, price: {coins: 10}, gives: {boost: b}}
""")
    assert issues == [
        (
            ("shop", "offers", 0, "price", "xp"),
            "currency 'xp' is not spendable (add 'spendable: true' to it)",
        ),
        (
            ("shop", "offers", 1, "price", "coins"),
            "unknown currency 'coins' (declared: gems, xp)",
        ),
    ]


def test_what_an_offer_gives_must_be_declared() -> None:
    issues = _issues("""
currencies: {gems: {spendable: true}}
streaks:
  daily: {when: "true"}
shop:
  items: {owl: {max: 1}}
  offers:
    - id: a
      price: {gems: 1}
      gives:
        items: {owl: 2, hat: 1}
        streak_freezes: {daily: 1, weekly: 1}
        boost: turbo
        currencies: {coins: 5}
""")
    at = ("shop", "offers", 0, "gives")
    assert issues == [
        ((*at, "currencies", "coins"), "unknown currency 'coins' (declared: gems)"),
        ((*at, "items", "owl"), "gives 2 of item 'owl', but a player may hold at most 1"),
        ((*at, "items", "hat"), "unknown item 'hat' (declared: owl)"),
        ((*at, "streak_freezes", "daily"), "streak 'daily' has no freezes"),
        ((*at, "streak_freezes", "weekly"), "unknown streak 'weekly' (declared: daily)"),
        ((*at, "boost"), "unknown boost 'turbo' (declared: none are declared)"),
    ]


def test_boosts_items_and_requirements_are_checked_where_they_are_written() -> None:
    issues = _issues("""
currencies: {gems: {spendable: true}}
boosts: {b: {multiply: {xp: 2}, duration_minutes: 5}}
shop:
  items: {potion: {activates: turbo}}
  offers:
    - {id: a, price: {gems: 1}, gives: {boost: b}, requires: "level.gems >= 2"}
    - {id: a, price: {gems: 1}, gives: {boost: b}}
""")
    assert issues[0] == (("boosts", "b", "multiply", "xp"), "unknown currency 'xp'")
    assert issues[1] == (
        ("shop", "items", "potion", "activates"),
        "unknown boost 'turbo' (declared: b)",
    )
    assert issues[2][0] == ("shop", "offers", 0, "requires")
    assert "level.gems" in issues[2][1]
    assert issues[3] == (("shop", "offers", 1, "id"), "offer id 'a' is used twice")


@pytest.mark.parametrize(
    ("offer", "message"),
    [
        ("{id: a, price: {gems: 1}, gives: {}}", "an offer must give something"),
        ("{id: a, price: {gems: 0}, gives: {boost: b}}", "greater than or equal to 1"),
        ("{id: a, gives: {boost: b}, limit: {}}", "a limit needs at least one of"),
        (
            "{id: a, gives: {boost: b}, starts: 2026-12-01T00:00:00Z, ends: 2026-11-01T00:00:00Z}",
            "'starts' must come before 'ends'",
        ),
        ("{id: a, gives: {boost: b}, starts: 2026-12-01T00:00:00}", "needs a time zone offset"),
        (
            "{id: a, price: {gems: 1}, gives: {currencies: {gems: 2}}}",
            "cannot cost and give the same currency (gems)",
        ),
    ],
)
def test_an_offer_s_shape_is_checked(offer: str, message: str) -> None:
    issues = _issues(f"""
currencies: {{gems: {{spendable: true}}}}
boosts: {{b: {{multiply: {{gems: 2}}, duration_minutes: 5}}}}
shop:
  offers:
    - {offer}
""")
    assert len(issues) == 1
    assert issues[0][0][:3] == ("shop", "offers", 0)
    assert message in issues[0][1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("boosts: {b: {multiply: {xp: 0}, duration_minutes: 5}}", "greater than 0"),
        ("boosts: {b: {multiply: {xp: 101}, duration_minutes: 5}}", "less than or equal to 100"),
        ("boosts: {b: {multiply: {}, duration_minutes: 5}}", "at least 1 item"),
        ("boosts: {b: {multiply: {xp: 2}, duration_minutes: 0}}", "greater than or equal to 1"),
        ("shop: {items: {p: {expires_after: soon}}}", "expires_after must be a duration"),
        (
            "shop: {items: {p: {activates: b, consumable: false}}}",
            "an item that activates a boost is used up",
        ),
    ],
)
def test_boosts_and_items_shapes_are_checked(text: str, message: str) -> None:
    issues = _issues("currencies: {xp: {}}\n" + text)
    assert any(message in found for _, found in issues), issues
