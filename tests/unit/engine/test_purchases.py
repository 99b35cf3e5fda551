"""Purchases and refunds decided on plain objects: each way a purchase is refused, limits
in the player's own calendar, and what a refund gives back and takes back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from questline.engine.compiler import compile_design
from questline.engine.purchases import (
    Bought,
    Holdings,
    PurchasePlan,
    PurchaseRefused,
    limit_periods,
    plan_purchase,
    plan_refund,
)
from questline.engine.state import Balance, BoostWindow, PlayerState, StreakState
from questline.yamlfile import load_yaml

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DESIGN = compile_design(
    load_yaml("""
currencies:
  xp: {levels: {thresholds: [0, 100, 300]}}
  gems: {spendable: true, max: 1000}
  coins: {spendable: true}
  hearts: {max: 5}
streaks:
  daily: {when: "true", freezes: {max: 2}}
boosts:
  double-xp: {name: Double XP, multiply: {xp: 2}, duration_minutes: 15}
shop:
  items:
    owl: {name: Golden owl, max: 1}
    potion: {activates: double-xp, expires_after: 7d}
  offers:
    - id: freeze
      name: Streak freeze
      price: {gems: 200}
      gives: {streak_freezes: {daily: 1}}
      limit: {per_day: 1, per_week: 2, total: 5}
    - {id: owl, name: Golden owl, price: {gems: 300, coins: 5}, gives: {items: {owl: 1}}, stock: 10}
    - {id: potions, price: {gems: 20}, gives: {items: {potion: 2}}}
    - {id: refill, name: Hearts, price: {gems: 50}, gives: {currencies: {hearts: 5}}}
    - {id: boost, name: Double XP, price: {gems: 100}, gives: {boost: double-xp}}
    - id: veteran
      price: {gems: 10}
      gives: {boost: double-xp}
      requires: "level.xp >= 2"
    - id: advent
      price: {gems: 10}
      gives: {boost: double-xp}
      starts: 2026-12-01T00:00:00+01:00
      ends: 2026-12-25T00:00:00+01:00
"""),
    6,
)
RICH = PlayerState("p", balances={"gems": Balance(1000, 1500), "coins": Balance(10, 10)})
NOTHING = Holdings(bought={}, items={}, boosts=(), sold=0)


def buy(
    offer: str,
    quantity: int = 1,
    state: PlayerState = RICH,
    holdings: Holdings = NOTHING,
    now: datetime = NOW,
    zone: str = "UTC",
) -> PurchasePlan:
    compiled = DESIGN.shop.offer(offer)
    assert compiled is not None
    return plan_purchase(DESIGN, compiled, quantity, state, holdings, now, zone, player_locale=None)


def refused(offer: str, **kwargs: object) -> tuple[str, str]:
    with pytest.raises(PurchaseRefused) as raised:
        buy(offer, **kwargs)  # type: ignore[arg-type]
    return raised.value.code, raised.value.message


def held(bought: Mapping[str, int] | None = None, **fields: object) -> Holdings:
    values: dict[str, object] = {"bought": bought or {}, "items": {}, "boosts": (), "sold": 0}
    values.update(fields)
    return Holdings(**values)  # type: ignore[arg-type]


def test_a_purchase_debits_each_price_and_gives_what_the_offer_says() -> None:
    plan = buy("owl")
    assert plan.price == {"gems": 300, "coins": 5}
    assert [(d.currency, d.amount, d.balance_after) for d in plan.debits] == [
        ("gems", -300, 700),
        ("coins", -5, 5),
    ]
    assert plan.debits[0].explanation == "purchase of Golden owl ×1 at 300 gems each: -300 gems"
    assert plan.debits[0].breakdown == {
        "cause": "purchase",
        "offer": "owl",
        "quantity": 1,
        "unit_price": 300,
        "amount": -300,
        "currency": "gems",
        "config_version": 6,
    }
    assert [(i.item, i.quantity, i.expires_at) for i in plan.items] == [("owl", 1, None)]
    assert (plan.day, plan.week) == ("d:2026-12-07", "w:2026-W50")


def test_several_units_cost_and_give_that_many_times_as_much() -> None:
    plan = buy("potions", 3)
    assert plan.price == {"gems": 60}
    assert [(i.item, i.quantity, i.expires_at) for i in plan.items] == [
        ("potion", 6, NOW + timedelta(days=7))
    ]
    freezes = buy("freeze").freezes
    assert [(f.streak, f.count, f.freezes) for f in freezes] == [("daily", 1, 1)]
    refill = buy("refill")
    assert [(c.currency, c.amount, c.balance_after) for c in refill.credits] == [("hearts", 5, 5)]


def test_a_boost_bought_starts_now_or_after_the_same_boost_running() -> None:
    assert buy("boost").boost == BoostWindow(
        "double-xp", {"xp": Decimal(2)}, NOW, NOW + timedelta(minutes=15)
    )
    running = BoostWindow("double-xp", {"xp": Decimal(2)}, NOW, NOW + timedelta(minutes=10))
    queued = buy("boost", 2, holdings=held(boosts=(running,))).boost
    assert queued is not None
    assert (queued.starts_at, queued.ends_at) == (
        running.ends_at,
        running.ends_at + timedelta(minutes=30),
    )


def test_insufficient_funds_says_what_it_costs_and_what_is_held() -> None:
    poor = PlayerState("p", balances={"gems": Balance(250, 900), "coins": Balance(10, 10)})
    assert refused("owl", state=poor) == (
        "insufficient_funds",
        "'Golden owl' ×1 costs 300 gems; the balance is 250",
    )
    assert refused("boost", quantity=3, state=poor)[0] == "insufficient_funds"
    assert buy("boost", 2, state=poor).debits[0].balance_after == 50  # exactly enough is enough


def test_stock_runs_out_for_everyone() -> None:
    assert buy("owl", holdings=held(sold=9)).price["gems"] == 300
    assert refused("owl", holdings=held(sold=10)) == ("sold_out", "'Golden owl' is sold out")
    assert buy("potions", holdings=held(sold=10**6)).offer == "potions"  # no stock, no end
    assert refused("owl", quantity=2, holdings=held(sold=9))[1] == "only 1 of 'Golden owl' left"


def test_limits_count_units_bought_in_the_period() -> None:
    day, week = "d:2026-12-07", "w:2026-W50"
    assert refused("freeze", holdings=held({day: 1, week: 1, "all": 1})) == (
        "limit_reached",
        "at most 1 of 'Streak freeze' can be bought a day; 1 bought already",
    )
    assert (
        "at most 2 of 'Streak freeze' can be bought a week"
        in (refused("freeze", holdings=held({week: 2, "all": 2}))[1])
    )
    assert (
        "at most 5 of 'Streak freeze' can be bought in all"
        in (refused("freeze", holdings=held({"all": 5}))[1])
    )
    assert refused("freeze", quantity=2)[0] == "limit_reached"  # 2 units in one go, 1 a day
    assert buy("freeze", holdings=held({"d:2026-12-06": 1, week: 1, "all": 4})).offer == "freeze"


def test_a_day_is_the_player_s_own_calendar_day() -> None:
    # 10:30 UTC on 7 December is already 8 December in Auckland, still 7 in Honolulu.
    at = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    assert buy("freeze", now=at, zone="Pacific/Auckland").day == "d:2026-12-08"
    assert buy("freeze", now=at, zone="Pacific/Honolulu").day == "d:2026-12-07"
    # One bought on the 7th in Auckland does not count on the 8th there.
    bought_yesterday = held({"d:2026-12-07": 1, "w:2026-W50": 1, "all": 1})
    assert buy("freeze", now=at, zone="Pacific/Auckland", holdings=bought_yesterday).day == (
        "d:2026-12-08"
    )
    assert refused("freeze", now=at, zone="Pacific/Honolulu", holdings=bought_yesterday)[0] == (
        "limit_reached"
    )


def test_a_day_of_25_hours_is_still_one_day() -> None:
    # New York leaves daylight saving on 1 November 2026: that local day lasts 25 hours.
    morning = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # 00:30 EDT
    night = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)  # 23:30 EST, 25 hours later
    zone = "America/New_York"
    assert limit_periods(morning, zone) == limit_periods(night, zone)
    assert buy("freeze", now=night, zone=zone).day == "d:2026-11-01"


def test_items_freezes_and_currencies_that_would_not_fit_are_refused_not_cut() -> None:
    assert refused("owl", holdings=held(items={"owl": 1})) == (
        "limit_reached",
        "holds 1 of 'Golden owl'; at most 1 can be held",
    )
    full = PlayerState("p", balances=dict(RICH.balances), streaks={"daily": StreakState(freezes=2)})
    assert refused("freeze", state=full) == (
        "limit_reached",
        "holds 2 freeze(s) of streak 'daily'; at most 2 can be held",
    )
    hearts = PlayerState("p", balances={**RICH.balances, "hearts": Balance(1, 1)})
    assert refused("refill", state=hearts)[0] == "limit_reached"


def test_a_requirement_must_hold_for_the_player_now() -> None:
    assert refused("veteran") == ("requirement_not_met", "'veteran' requires level.xp >= 2")
    levelled = PlayerState("p", balances={**RICH.balances, "xp": Balance(0, 150)})
    assert buy("veteran", state=levelled).offer == "veteran"  # levels follow xp earned


def test_an_offer_is_on_sale_only_within_its_window() -> None:
    assert refused("advent", now=datetime(2026, 11, 30, 22, 59, tzinfo=UTC)) == (
        "not_available",
        "'advent' is on sale from 2026-12-01T00:00:00+01:00",
    )
    assert buy("advent", now=datetime(2026, 11, 30, 23, 0, tzinfo=UTC)).offer == "advent"
    assert refused("advent", now=datetime(2026, 12, 24, 23, 0, tzinfo=UTC))[0] == "not_available"


def test_spending_never_touches_what_was_earned() -> None:
    plan = buy("boost", 3)
    assert plan.debits[0].balance_after == 700
    refill = buy("refill")
    assert refill.credits[0].breakdown["cause"] == "purchase"


def test_a_refund_gives_the_price_back_and_takes_back_what_is_unused() -> None:
    window = BoostWindow("double-xp", {"xp": Decimal(2)}, NOW, NOW + timedelta(minutes=15))
    bought = Bought(
        offer="bundle",
        offer_name="Bundle",
        quantity=1,
        price={"gems": 200},
        currencies={"hearts": 5},
        freezes={"daily": 2},
        boost=window,
    )
    state = PlayerState(
        "p",
        balances={"gems": Balance(100, 500), "hearts": Balance(3, 0)},
        streaks={"daily": StreakState(freezes=1)},
    )
    plan = plan_refund(DESIGN, bought, state, NOW + timedelta(minutes=6))
    assert [(c.currency, c.amount, c.balance_after) for c in plan.credits] == [("gems", 200, 300)]
    assert plan.credits[0].explanation == "refund of Bundle ×1: +200 gems"
    assert [(c.currency, c.amount, c.balance_after) for c in plan.takebacks] == [("hearts", -3, 0)]
    assert plan.freezes == {"daily": StreakState(freezes=0)}
    assert plan.freezes_taken == {"daily": 1}
    assert plan.boost is not None
    assert plan.boost.ends_at == NOW + timedelta(minutes=6)
    assert plan.kept == {
        "currencies": {"hearts": 2},
        "streak_freezes": {"daily": 1},
        "boost_used_until": (NOW + timedelta(minutes=6)).isoformat(),
    }


def test_a_refund_stays_within_the_currency_s_bounds() -> None:
    bought = Bought("x", "X", 1, {"gems": 200}, {}, {}, None)
    near_max = PlayerState("p", balances={"gems": Balance(900, 900)})
    plan = plan_refund(DESIGN, bought, near_max, NOW)
    assert [(c.amount, c.balance_after) for c in plan.credits] == [(100, 1000)]
    assert plan.kept == {"price_not_returned": {"gems": 100}}


def test_a_boost_not_yet_started_is_taken_back_whole() -> None:
    hour = timedelta(hours=1)
    later = BoostWindow("double-xp", {"xp": Decimal(2)}, NOW + hour, NOW + 2 * hour)
    plan = plan_refund(
        DESIGN, Bought("b", "B", 1, {"gems": 1}, {}, {}, later), PlayerState("p"), NOW
    )
    assert plan.boost is not None
    assert plan.boost.ends_at == plan.boost.starts_at
    assert "boost_used_until" not in plan.kept
    ended = BoostWindow("double-xp", {"xp": Decimal(2)}, NOW - 2 * hour, NOW - hour)
    used = plan_refund(
        DESIGN, Bought("b", "B", 1, {"gems": 1}, {}, {}, ended), PlayerState("p"), NOW
    )
    assert used.boost is None
    assert used.kept == {"boost_used_until": ended.ends_at.isoformat()}
